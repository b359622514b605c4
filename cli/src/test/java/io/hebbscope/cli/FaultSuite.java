package io.hebbscope.cli;

import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * What the fault suite's tests (issue 11) share: the size of the suite ({@code -Dhebbscope.faultSuite=long} for the
 * longer one; the bounded one runs in {@code mvn verify}), threads that keep the CPU busy, a count of the committed
 * results, and the comparison of outputs with those of an uninterrupted replay.
 */
final class FaultSuite {
    private FaultSuite() {}

    /** The system property that selects the longer suite. */
    static final String PROPERTY = "hebbscope.faultSuite";

    /** True when {@code -Dhebbscope.faultSuite=long}: more kills, restarts, a bigger flood, longer runs. */
    static boolean isLong() {
        return "long".equalsIgnoreCase(System.getProperty(PROPERTY, "bounded").trim());
    }

    /** {@code bounded} or {@code long}, for the printed counts. */
    static String mode() {
        return isLong() ? "long" : "bounded";
    }

    /** Seconds since {@code startNanos}, one decimal. */
    static String secondsSince(long startNanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", (System.nanoTime() - startNanos) / 1e9);
    }

    /**
     * Lost, duplicated and differing records of {@code live} against {@code replay}, matched by {@code key}: lost are
     * the replay's records whose key {@code live} holds fewer times, duplicated the live records beyond the replay's
     * count of their key, differing the replay's records whose key {@code live} holds but never with that value.
     */
    record Tally(int replayed, int live, int lost, int duplicated, int differing) {
        static <T> Tally of(List<T> live, List<T> replay, Function<T, ?> key) {
            Map<Object, List<T>> byKeyLive = group(live, key);
            Map<Object, List<T>> byKeyReplay = group(replay, key);
            int lost = 0;
            int duplicated = 0;
            int differing = 0;
            for (var e : byKeyReplay.entrySet()) {
                List<T> l = byKeyLive.getOrDefault(e.getKey(), List.of());
                lost += Math.max(0, e.getValue().size() - l.size());
                if (!l.isEmpty()) {
                    for (T r : e.getValue()) {
                        if (!l.contains(r)) {
                            differing++;
                        }
                    }
                }
            }
            for (var e : byKeyLive.entrySet()) {
                int inReplay = byKeyReplay.getOrDefault(e.getKey(), List.of()).size();
                duplicated += inReplay == 0 ? 0 : Math.max(0, e.getValue().size() - inReplay);
                // A key the replay never wrote is an extra record: counted as a duplicate of nothing, i.e. differing.
                differing += inReplay == 0 ? e.getValue().size() : 0;
            }
            return new Tally(replay.size(), live.size(), lost, duplicated, differing);
        }

        private static <T> Map<Object, List<T>> group(List<T> records, Function<T, ?> key) {
            Map<Object, List<T>> out = new HashMap<>();
            for (T r : records) {
                out.computeIfAbsent(key.apply(r), k -> new ArrayList<>()).add(r);
            }
            return out;
        }

        boolean clean() {
            return lost == 0 && duplicated == 0 && differing == 0 && live == replayed;
        }

        @Override
        public String toString() {
            return live + "/" + replayed + " (lost " + lost + ", duplicated " + duplicated + ", differing " + differing + ")";
        }
    }

    /**
     * Threads that spin for as long as they are open, each at the test JVM's normal priority: with more of them than
     * cores, everything else on the machine gets a fraction of a core.
     */
    static final class BusyThreads implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        /** Keeps the spinning arithmetic from being optimized away. */
        static volatile long sink;

        BusyThreads(int count) {
            for (int i = 0; i < count; i++) {
                Thread t = new Thread(() -> {
                    long x = 1;
                    while (!stop.get()) {
                        x = x * 6364136223846793005L + 1442695040888963407L;
                    }
                    sink = x;
                }, "fault-suite-busy-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
        }

        /** Cores + 1, at least 2 and at most 4: the machine is starved whatever its size (in the bounded range). */
        static int defaultCount() {
            return Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors() + 1));
        }

        int count() {
            return threads.size();
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    /**
     * Counts the committed layer results of each run (read_committed, from the beginning) on a thread of its own, so
     * that trainers can be paced by the analyzer and a test can act when the results reach a given count.
     */
    static final class ResultsWatch implements AutoCloseable {
        private final KafkaConsumer<String, LayerAlignment> consumer;
        private final Map<String, Long> perRun = new HashMap<>();
        private final Thread thread;
        private final AtomicBoolean stop = new AtomicBoolean();
        private volatile RuntimeException failure;
        private long total;

        ResultsWatch(Properties client, Topics out) {
            Properties p = new Properties();
            p.putAll(client);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            var topic = out.layerAlignment();
            consumer = new KafkaConsumer<>(p, topic.keySerde().deserializer(), topic.valueSerde().deserializer());
            io.hebbscope.schema.TopicPartitions.assignFromBeginning(consumer, topic.name());
            thread = new Thread(this::count, "fault-suite-results-watch");
            thread.setDaemon(true);
            thread.start();
        }

        private void count() {
            try {
                while (!stop.get()) {
                    var records = consumer.poll(Duration.ofMillis(100));
                    if (!records.isEmpty()) {
                        synchronized (this) {
                            records.forEach(r -> perRun.merge(r.value().getRunId(), 1L, Long::sum));
                            total += records.count();
                            notifyAll();
                        }
                    }
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
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

        /** Committed layer results of every run. */
        synchronized long total() {
            check();
            return total;
        }

        /** Whether {@code run} has at least {@code n} committed layer results. */
        synchronized boolean has(String run, long n) {
            check();
            return perRun.getOrDefault(run, 0L) >= n;
        }

        /** Waits until {@code run} has at least {@code n} committed layer results, or {@code abort} says to stop. */
        synchronized void awaitRun(String run, long n, java.util.function.BooleanSupplier abort) throws InterruptedException {
            while (perRun.getOrDefault(run, 0L) < n && !abort.getAsBoolean() && !stop.get()) {
                check();
                wait(1000); // woken by every new result; the timeout only re-checks abort
            }
        }

        private void check() {
            if (failure != null) {
                throw new IllegalStateException("cannot count the layer results", failure);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            consumer.wakeup();
            thread.join();
            synchronized (this) {
                notifyAll();
            }
        }
    }
}
