package io.hebbscope.cli;

import io.hebbscope.schema.TopicPartitions;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.Topics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows the analyzer's layer-alignment topic (read_committed: what the analyzer has finished) for one run and
 * keeps the latest result per layer, and the recent ones so that all layers can be shown at one step.
 */
final class AlignmentWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlignmentWatcher.class);
    /** Recent steps kept per layer; layers of one run rarely get this far apart. */
    static final int RECENT_STEPS = 256;
    private final KafkaConsumer<String, LayerAlignment> consumer;
    private final String runId;
    private final Map<String, LayerAlignment> latest = new TreeMap<>();
    private final Map<String, NavigableMap<Long, LayerAlignment>> recent = new HashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread thread;
    private final String topic;

    AlignmentWatcher(Properties clientProps, Topics topics, String runId) {
        this.runId = runId;
        Properties p = new Properties();
        p.putAll(clientProps);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), topics.layerAlignment().valueSerde().deserializer());
        topic = topics.layerAlignment().name();
        thread = new Thread(this::poll, "alignment-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void poll() {
        try {
            TopicPartitions.assignFromBeginning(consumer, topic);
            while (!closed.get()) {
                for (ConsumerRecord<String, LayerAlignment> r : consumer.poll(Duration.ofMillis(200))) {
                    LayerAlignment a = r.value();
                    if (a != null && a.getRunId().equals(runId)) {
                        synchronized (latest) {
                            LayerAlignment previous = latest.get(a.getLayer());
                            if (previous == null || previous.getStep() < a.getStep()) {
                                latest.put(a.getLayer(), a);
                            }
                            NavigableMap<Long, LayerAlignment> steps = recent.computeIfAbsent(a.getLayer(), k -> new TreeMap<>());
                            steps.put(a.getStep(), a);
                            if (steps.size() > RECENT_STEPS) {
                                steps.pollFirstEntry();
                            }
                            latest.notifyAll();
                        }
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (AuthorizationException e) {
            // a secured cluster where this user may not read the analyzer's results: training goes on without them
            LOG.warn("cannot show the live alignment: user not authorized to read topic {} ({}); training goes on",
                topic, e.getMessage());
        } finally {
            consumer.close();
        }
    }

    /** The latest analyzed alignment per layer, by layer name. */
    Map<String, LayerAlignment> latest() {
        synchronized (latest) {
            return new TreeMap<>(latest);
        }
    }

    /** The last step analyzed in every one of {@code layers}: the smallest of their latest steps; -1 before. */
    long analyzedStep(Collection<String> layers) {
        synchronized (latest) {
            long min = Long.MAX_VALUE;
            for (String layer : layers) {
                LayerAlignment a = latest.get(layer);
                if (a == null) {
                    return -1;
                }
                min = Math.min(min, a.getStep());
            }
            return min == Long.MAX_VALUE ? -1 : min;
        }
    }

    /** The layer's alignment at {@code step} (or the latest before it, where that step is unknown); null if none. */
    LayerAlignment at(String layer, long step) {
        synchronized (latest) {
            NavigableMap<Long, LayerAlignment> steps = recent.get(layer);
            Map.Entry<Long, LayerAlignment> e = steps == null ? null : steps.floorEntry(step);
            return e == null ? null : e.getValue();
        }
    }

    /** Waits until every one of {@code layers} has been analyzed up to {@code step}; false on timeout. */
    boolean awaitStep(int layers, long step, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (latest) {
            while (latest.size() < layers || latest.values().stream().anyMatch(a -> a.getStep() < step)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                latest.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed.set(true);
        consumer.wakeup();
        thread.join(10_000);
    }
}
