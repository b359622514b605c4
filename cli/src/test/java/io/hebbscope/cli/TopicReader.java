package io.hebbscope.cli;

import io.hebbscope.schema.Topic;
import io.hebbscope.schema.TopicPartitions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads everything currently in a topic, from the beginning (committed records only: the analyzer writes transactionally). */
public final class TopicReader {
    private TopicReader() {}

    public static <K, V> List<V> readAll(Properties client, Topic<K, V> topic) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        List<V> out = new ArrayList<>();
        try (KafkaConsumer<K, V> c = new KafkaConsumer<>(p, topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> parts = TopicPartitions.assignFromBeginning(c, topic.name());
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<K, V> r : c.poll(Duration.ofMillis(300))) {
                    out.add(r.value());
                }
            }
        }
        return out;
    }
}
