package io.hebbscope.bench;

import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.TopicPartitions;
import io.hebbscope.schema.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows {@code <prefix>.layer-alignment} as a {@code read_committed} consumer from the beginning and notes when
 * each (run, layer, step) first becomes visible: the time its poll returned. The fetch wait is short (50 ms) so
 * that the times measure when results are available rather than how long an idle fetch is parked at the broker.
 */
final class AlignmentArrivals implements AutoCloseable {
    /** One LayerAlignment as it arrived; {@code timestampMs} is the record's Kafka timestamp. */
    record Arrival(String runId, String layer, long step, long timestampMs, long arrivalMs) {}

    private final KafkaConsumer<String, LayerAlignment> consumer;
    private final Map<String, Arrival> first = new ConcurrentHashMap<>();
    private final Map<String, Long> distinctPerRun = new ConcurrentHashMap<>();
    private final List<Arrival> all = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread thread;
    private volatile RuntimeException failure;

    AlignmentArrivals(Properties client, Topics topics) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), topics.layerAlignment().valueSerde().deserializer());
        TopicPartitions.assignFromBeginning(consumer, topics.layerAlignment().name());
        thread = new Thread(this::poll, "bench-alignment-arrivals");
        thread.setDaemon(true);
        thread.start();
    }

    private void poll() {
        try {
            while (!closed.get()) {
                var records = consumer.poll(Duration.ofMillis(100));
                long now = System.currentTimeMillis();
                if (records.isEmpty()) {
                    continue;
                }
                synchronized (this) {
                    for (ConsumerRecord<String, LayerAlignment> r : records) {
                        LayerAlignment a = r.value();
                        if (a == null) {
                            continue;
                        }
                        Arrival arrival = new Arrival(a.getRunId(), a.getLayer(), a.getStep(), r.timestamp(), now);
                        all.add(arrival);
                        if (first.putIfAbsent(key(a.getRunId(), a.getLayer(), a.getStep()), arrival) == null) {
                            distinctPerRun.merge(a.getRunId(), 1L, Long::sum);
                        }
                    }
                    notifyAll();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
            synchronized (this) {
                notifyAll();
            }
        } finally {
            consumer.close();
        }
    }

    private static String key(String runId, String layer, long step) {
        return runId + "/" + layer + "/" + step;
    }

    /** When (run, layer, step) first became visible, or null. */
    Arrival first(String runId, String layer, long step) {
        return first.get(key(runId, layer, step));
    }

    /** Distinct (run, layer, step) seen for {@code runId}. */
    long distinct(String runId) {
        return distinctPerRun.getOrDefault(runId, 0L);
    }

    /** The highest step of {@code runId} visible so far, or -1. */
    synchronized long maxStep(String runId) {
        return all.stream().filter(a -> a.runId().equals(runId)).mapToLong(Arrival::step).max().orElse(-1);
    }

    /** Every arrival so far that matches, in arrival order. */
    synchronized List<Arrival> matching(Predicate<Arrival> which) {
        return all.stream().filter(which).toList();
    }

    /**
     * Waits until {@code done} holds (checked after every poll with records and at least every second), a
     * component failed ({@code failed}), or the safety limit passed; true when done.
     */
    boolean await(BooleanSupplier done, BooleanSupplier failed, Duration safetyLimit) throws InterruptedException {
        long deadline = System.nanoTime() + safetyLimit.toNanos();
        synchronized (this) {
            while (!done.getAsBoolean()) {
                if (failure != null) {
                    throw new IllegalStateException("reading the analyzer's output failed: " + failure.getMessage(), failure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || failed.getAsBoolean()) {
                    return false;
                }
                wait(Math.min(1000, Math.max(1, left / 1_000_000)));
            }
            return true;
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed.set(true);
        consumer.wakeup();
        thread.join(30_000);
    }
}
