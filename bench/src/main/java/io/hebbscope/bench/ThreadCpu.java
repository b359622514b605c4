package io.hebbscope.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where a running process's CPU goes, by kind of thread: Linux's {@code /proc/<pid>/task/<tid>/schedstat} gives each
 * thread's time on a core and its time waiting in the run queue for one (ns). Sampled on a daemon thread while the
 * process runs, so that a thread which ends keeps its last reading. Thread names there are cut to 15 characters,
 * so Kafka Streams' threads are known by their client id's first characters (the application id). Where there is no
 * {@code /proc} (not Linux) there is nothing to watch.
 */
final class ThreadCpu implements AutoCloseable {
    /** Linux keeps a thread's name to this many characters. */
    static final int COMM_LENGTH = 15;

    /**
     * CPU-seconds of the process's threads, and seconds they were runnable but waiting for a core.
     *
     * @param streams      Kafka Streams' threads (stream threads and the state updater)
     * @param jit          the JIT compilers (C1, C2)
     * @param producerIo   the producers' I/O threads
     * @param gc           the garbage collector's threads
     * @param other        every other thread (main, consumers' heartbeat, admin clients, metrics, RocksDB's
     *                     background threads, the VM's)
     * @param total        the sum of the kinds above, as sampled
     * @param process      the process's own CPU total as the kernel keeps it, ended threads included, NaN where it
     *                     cannot be read: what {@code total} misses is CPU of threads after their last sample
     */
    record Split(double streams, double streamsWaiting, double jit, double producerIo, double gc, double other,
                 double total, double totalWaiting, double process) {}

    private record Reading(String kind, long cpuNs, long waitNs) {}

    private final long pid;
    private final Path tasks;
    private final String streamsPrefix;
    private final Map<String, Reading> byThread = new HashMap<>();
    private final Thread sampler;
    private volatile boolean stopped;

    private ThreadCpu(long pid, Path tasks, String applicationId, Duration period) {
        this.pid = pid;
        this.tasks = tasks;
        String prefix = applicationId + "-";
        this.streamsPrefix = prefix.substring(0, Math.min(COMM_LENGTH, prefix.length()));
        sampler = new Thread(() -> {
            while (!stopped) {
                sample();
                try {
                    Thread.sleep(period.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-thread-cpu");
        sampler.setDaemon(true);
    }

    /**
     * Starts watching process {@code pid}, whose Kafka Streams application is {@code applicationId}; empty where
     * this system has no per-thread schedstat.
     */
    static Optional<ThreadCpu> watch(long pid, String applicationId, Duration period) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        if (!Files.isReadable(tasks.resolve(Long.toString(pid)).resolve("schedstat"))) {
            return Optional.empty();
        }
        ThreadCpu cpu = new ThreadCpu(pid, tasks, applicationId, period);
        cpu.sampler.start();
        return Optional.of(cpu);
    }

    /** Reads every thread once more (call it while the process still runs) and returns the split so far. */
    synchronized Split split() {
        sample();
        double[] cpu = new double[5];
        double streamsWaiting = 0;
        double waiting = 0;
        for (Reading r : byThread.values()) {
            int i = switch (r.kind()) {
                case "streams" -> 0;
                case "jit" -> 1;
                case "producer-io" -> 2;
                case "gc" -> 3;
                default -> 4;
            };
            cpu[i] += r.cpuNs() / 1e9;
            waiting += r.waitNs() / 1e9;
            if (i == 0) {
                streamsWaiting += r.waitNs() / 1e9;
            }
        }
        double total = cpu[0] + cpu[1] + cpu[2] + cpu[3] + cpu[4];
        // read after the threads, so that it covers at least as much time as they do
        double process = ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration())
            .map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
        return new Split(cpu[0], streamsWaiting, cpu[1], cpu[2], cpu[3], cpu[4], total, waiting, process);
    }

    private synchronized void sample() {
        try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
            for (Path t : threads) {
                try {
                    String[] stat = Files.readString(t.resolve("schedstat")).trim().split("\\s+");
                    String name = Files.readString(t.resolve("comm")).trim();
                    byThread.put(t.getFileName().toString(),
                        new Reading(kind(name), Long.parseLong(stat[0]), Long.parseLong(stat[1])));
                } catch (IOException | RuntimeException ended) {
                    // the thread ended between the listing and the read: its last reading stands
                }
            }
        } catch (IOException | RuntimeException ended) {
            // the process ended: every thread's last reading stands
        }
    }

    String kind(String threadName) {
        if (threadName.startsWith(streamsPrefix)) {
            return "streams";
        }
        if (threadName.startsWith("C1 CompilerThre") || threadName.startsWith("C2 CompilerThre")) {
            return "jit";
        }
        if (threadName.startsWith("kafka-producer-")) {
            return "producer-io";
        }
        if (threadName.startsWith("GC Thread") || threadName.startsWith("G1 ")) {
            return "gc";
        }
        return "other";
    }

    @Override
    public void close() {
        stopped = true;
        sampler.interrupt();
    }
}
