package io.hebbscope.lab.report;

import io.hebbscope.schema.TopicPartitions;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.MalformedEventException;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.BiConsumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the analyzer's output topics (layer and neuron alignment) and the train-metrics topic up to their current
 * ends, committed records only (the analyzer writes transactionally), keeping the chosen runs. Records are filtered
 * by key before decoding; undecodable records are skipped and counted.
 */
public final class RunLogReader {
    private final Properties clientProps;
    private final Topics topics;
    private long skipped;

    public RunLogReader(Properties clientProps, Topics topics) {
        this.clientProps = clientProps;
        this.topics = topics;
    }

    /** Runs in key order of first appearance on the layer-alignment topic; {@code runIds} empty means every run. */
    public List<RunLog> read(Set<String> runIds) {
        Map<String, List<LayerAlignment>> layers = new LinkedHashMap<>();
        Map<String, List<NeuronAlignment>> neurons = new LinkedHashMap<>();
        Map<String, List<StepMetrics>> metrics = new LinkedHashMap<>();
        readTopic(topics.layerAlignment().name(), LayerAlignment.class, runIds,
            (run, v) -> layers.computeIfAbsent(run, k -> new ArrayList<>()).add(v));
        readTopic(topics.neuronAlignment().name(), NeuronAlignment.class, runIds,
            (run, v) -> neurons.computeIfAbsent(run, k -> new ArrayList<>()).add(v));
        readTopic(topics.trainMetrics().name(), StepMetrics.class, runIds,
            (run, v) -> metrics.computeIfAbsent(run, k -> new ArrayList<>()).add(v));
        List<RunLog> out = new ArrayList<>();
        for (var e : layers.entrySet()) {
            out.add(new RunLog(e.getKey(), e.getValue(), neurons.getOrDefault(e.getKey(), List.of()),
                metrics.getOrDefault(e.getKey(), List.of())));
        }
        return out;
    }

    /** Records skipped because they could not be decoded. */
    public long skipped() {
        return skipped;
    }

    private <T extends SpecificRecord> void readTopic(String topic, Class<T> type, Set<String> runIds,
                                                      BiConsumer<String, T> sink) {
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            List<TopicPartition> parts = TopicPartitions.assignFromBeginning(c, topic);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(300))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition())) || r.key() == null
                        || r.value() == null) {
                        continue;
                    }
                    String run = r.key().split("/", 2)[0];
                    if (!runIds.isEmpty() && !runIds.contains(run)) {
                        continue;
                    }
                    try {
                        sink.accept(run, EventCodec.get().decode(r.value(), type));
                    } catch (MalformedEventException e) {
                        skipped++;
                    }
                }
            }
        }
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
