package io.hebbscope.lab.sweep;

import io.hebbscope.schema.TopicPartitions;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the analyzer's layer alignments of a sweep's runs and keeps those of each run's last {@code epochs} epochs
 * (1: the last epoch alone), until every run has every layer analyzed up to its last step.
 */
public final class LastEpochCollector implements AutoCloseable {
    private final KafkaConsumer<String, LayerAlignment> consumer;
    private final Map<String, Integer> lastEpoch;
    private final Map<String, Long> lastStep;
    private final Map<String, Integer> layers;
    private final int epochs;
    private final List<LayerAlignment> kept = new ArrayList<>();
    private final Map<String, Long> reached = new HashMap<>();

    /** Per run id: its last epoch, last published step and number of monitored layers; the last epoch alone. */
    public LastEpochCollector(Properties clientProps, Topics topics, Map<String, Integer> lastEpoch, Map<String, Long> lastStep,
                       Map<String, Integer> layers) {
        this(clientProps, topics, lastEpoch, lastStep, layers, 1);
    }

    /** ... keeping the alignments of each run's last {@code epochs} epochs. */
    public LastEpochCollector(Properties clientProps, Topics topics, Map<String, Integer> lastEpoch, Map<String, Long> lastStep,
                       Map<String, Integer> layers, int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1: " + epochs);
        }
        this.epochs = epochs;
        this.lastEpoch = lastEpoch;
        this.lastStep = lastStep;
        this.layers = layers;
        Properties p = new Properties();
        p.putAll(clientProps);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), topics.layerAlignment().valueSerde().deserializer());
        TopicPartitions.assignFromBeginning(consumer, topics.layerAlignment().name());
    }

    /** Polls until complete or the timeout; returns whether every run and layer reached its last step. */
    public boolean awaitAll(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!complete() && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, LayerAlignment> r : consumer.poll(Duration.ofMillis(300))) {
                LayerAlignment a = r.value();
                Integer epoch = a == null ? null : lastEpoch.get(a.getRunId());
                if (epoch == null) {
                    continue;
                }
                if (a.getEpoch() > epoch - epochs && a.getEpoch() <= epoch) {
                    kept.add(a);
                }
                reached.merge(a.getRunId() + "/" + a.getLayer(), a.getStep(), Math::max);
            }
        }
        return complete();
    }

    private boolean complete() {
        for (var run : lastStep.entrySet()) {
            long layersDone = reached.entrySet().stream()
                .filter(e -> e.getKey().startsWith(run.getKey() + "/") && e.getValue() >= run.getValue()).count();
            if (layersDone < layers.get(run.getKey())) {
                return false;
            }
        }
        return true;
    }

    public List<LayerAlignment> lastEpochAlignments() {
        return List.copyOf(kept);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
