package io.hebbscope.analyzer.plugin;

import io.hebbscope.analyzer.topology.InvalidRecordException;
import io.hebbscope.analyzer.topology.RunValidator;
import io.hebbscope.schema.TopicPartitions;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.MalformedEventException;
import io.hebbscope.schema.RunStarted;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Run metadata for plug-ins, read from the (small, compacted) runs topic. The runs topic already feeds a
 * stream of the main topology, and Kafka Streams lets a topic feed one source only, so a global table is not
 * possible; on a miss the catalog reads the topic up to its current end once more.
 */
public class RunCatalog implements AutoCloseable {
    private final Map<String, RunStarted> runs = new ConcurrentHashMap<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions;
    static final long CATCH_UP_EVERY_MS = 50;
    private long lastCatchUp = System.nanoTime() - CATCH_UP_EVERY_MS * 1_000_000L;

    public RunCatalog(Properties clientProps, String runsTopic) {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        partitions = TopicPartitions.assignFromBeginning(consumer, runsTopic);
    }

    /** For tests: a fixed set of runs, no Kafka. */
    protected RunCatalog() {
        consumer = null;
        partitions = List.of();
    }

    /**
     * The run's valid RunStarted, or null when the runs topic does not hold one (yet). A miss reads the topic to its
     * end, at most every {@link #CATCH_UP_EVERY_MS} (a flood of made-up run ids must not turn into as many reads).
     */
    public synchronized RunStarted get(String runId) {
        RunStarted run = runs.get(runId);
        long now = System.nanoTime();
        if (run == null && consumer != null && now - lastCatchUp >= CATCH_UP_EVERY_MS * 1_000_000L) {
            lastCatchUp = now;
            catchUp();
            run = runs.get(runId);
        }
        return run;
    }

    /** Adds a run by hand (tests, or callers that already have it). */
    public void put(RunStarted run) {
        runs.put(run.getRunId(), run);
    }

    private void catchUp() {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long deadline = System.currentTimeMillis() + 10_000;
        while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.value() == null || r.key() == null || !r.key().endsWith("/started")) {
                    continue;
                }
                try {
                    if (EventCodec.get().decodeAny(r.value()) instanceof RunStarted s && Keys.runStarted(s.getRunId()).equals(r.key())) {
                        RunValidator.check(s);
                        runs.putIfAbsent(s.getRunId(), s);
                    }
                } catch (MalformedEventException | InvalidRecordException e) {
                    // the main topology dead-letters it
                }
            }
        }
    }

    @Override
    public synchronized void close() {
        if (consumer != null) {
            consumer.close();
        }
    }
}
