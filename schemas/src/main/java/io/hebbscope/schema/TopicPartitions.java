package io.hebbscope.schema;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/** Reading a whole topic without a consumer group: every partition assigned, from the beginning. */
public final class TopicPartitions {
    private TopicPartitions() {}

    /** The topic's partitions; an error naming the topic when it does not exist. */
    public static List<TopicPartition> of(Consumer<?, ?> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    }

    /** Assigns every partition of {@code topic} to {@code consumer} at its first offset; returns them. */
    public static List<TopicPartition> assignFromBeginning(Consumer<?, ?> consumer, String topic) {
        List<TopicPartition> parts = of(consumer, topic);
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        return parts;
    }
}
