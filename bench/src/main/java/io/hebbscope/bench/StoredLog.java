package io.hebbscope.bench;

import io.hebbscope.schema.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * The analyzer working through a log that is already stored, each pass as the user runs it: its own process of
 * {@code hebbscope analyze} (the main path: a new application id, from offset 0, done when the run's last
 * LayerAlignment is visible to a read_committed consumer) and of {@code hebbscope replay} (done when its committed
 * offsets have caught up, as the command decides). Separate processes also keep the passes independent: in one JVM
 * the second pass ran on code the first had warmed up, about twice as fast.
 */
final class StoredLog {
    /**
     * @param fromStartSeconds   from launching the process (JVM start, topic checks, Kafka Streams start-up, group
     *                           join) to done
     * @param fromRunningSeconds from the application reaching RUNNING (by its own clock) to done, or from its first
     *                           output where that came earlier
     * @param cpu                the main path's CPU from its launch to done (null for a replay, and where the
     *                           system has no per-thread CPU figures)
     */
    record Result(double fromStartSeconds, double fromRunningSeconds, Cpu cpu) {}

    /**
     * @param analyzer   the analyzer process's threads by kind
     * @param benchJvm   CPU-seconds of this JVM, which hosts the broker (and the consumer of results) over that time
     */
    record Cpu(ThreadCpu.Split analyzer, double benchJvm) {}

    private StoredLog() {}

    /** The main path over every run in {@code topics}, done when {@code expectedOutputs} of {@code runId} are visible. */
    static Result mainPath(String main, Properties client, Topics topics, String runId, long expectedOutputs, Path workDir,
                           Duration safetyLimit) throws Exception {
        Path state = Files.createDirectories(workDir.resolve("stored-log-state"));
        String applicationId = topics.prefix() + "-stored-log";
        List<String> args = List.of("analyze", "--bootstrap-servers", bootstrap(client), "--topic-prefix", topics.prefix(),
            "--application-id", applicationId, "--state-dir", state.toString(), "--metrics-port", "-1",
            "--plugins", "none", "--replication", "1", "--partitions", Integer.toString(BenchTopics.PARTITIONS),
            "--connect-timeout", "120");
        try (AlignmentArrivals arrivals = new AlignmentArrivals(client, topics)) {
            long startMs = System.currentTimeMillis();
            Optional<Duration> benchCpuAtStart = ProcessHandle.current().info().totalCpuDuration();
            try (ChildJvm analyzer = ChildJvm.start(workDir, "stored-log-analyzer", main, args);
                 CpuWatch watch = new CpuWatch(ThreadCpu.watch(analyzer.pid(), applicationId, CPU_SAMPLING))) {
                analyzer.awaitOutput("; Ctrl-C to stop", safetyLimit); // the whole line, its instant included
                long runningMs = runningSince(analyzer.output());
                if (!arrivals.await(() -> arrivals.distinct(runId) >= expectedOutputs, () -> !analyzer.isAlive(),
                    safetyLimit)) {
                    throw new IllegalStateException("the analyzer did not finish the stored log"
                        + (analyzer.isAlive() ? " within " + safetyLimit.toMinutes() + " minutes" : " (it ended)")
                        + "; its output:\n" + analyzer.outputTail());
                }
                List<Long> outputMs = arrivals.matching(a -> a.runId().equals(runId)).stream()
                    .map(AlignmentArrivals.Arrival::arrivalMs).toList();
                long doneMs = outputMs.stream().mapToLong(Long::longValue).max().orElseThrow();
                // A task processes as soon as its own state is restored, before the application as a whole is
                // RUNNING: on a short log the first outputs can come before RUNNING, and then they start the clock.
                long processingMs = Math.min(runningMs, outputMs.stream().mapToLong(Long::longValue).min().orElseThrow());
                double fromStart = (doneMs - startMs) / 1e3;
                // read while the analyzer still runs: its threads' last figures go with it
                Optional<ThreadCpu.Split> split = watch.cpu().map(ThreadCpu::split);
                Optional<Duration> benchCpu = ProcessHandle.current().info().totalCpuDuration();
                Cpu cpu = split.isPresent() && benchCpuAtStart.isPresent() && benchCpu.isPresent()
                    ? new Cpu(split.get(), benchCpu.get().minus(benchCpuAtStart.get()).toNanos() / 1e9) : null;
                return new Result(fromStart, (doneMs - processingMs) / 1e3, cpu);
            }
        }
    }

    private static final Duration CPU_SAMPLING = Duration.ofMillis(250);

    /** Closes the watch, where there is one. */
    private record CpuWatch(Optional<ThreadCpu> cpu) implements AutoCloseable {
        @Override
        public void close() {
            cpu.ifPresent(ThreadCpu::close);
        }
    }

    private static final Pattern RUNNING_SINCE = Pattern.compile(" running on .*? since (\\S+?Z)[,;]");

    /**
     * RUNNING by the analyzer's own clock (the same system clock as the arrivals'): watching its output from here
     * saw the line up to a poll interval late, and a small log's last output could arrive before that.
     */
    static long runningSince(String analyzerOutput) {
        Matcher m = RUNNING_SINCE.matcher(analyzerOutput);
        if (!m.find()) {
            throw new IllegalStateException("the analyzer printed no 'running on ... since <instant>' line; output:\n"
                + analyzerOutput);
        }
        return Instant.parse(m.group(1)).toEpochMilli();
    }

    private static final Pattern REPLAYED = Pattern.compile("replayed (\\d+) records, ([0-9.]+) MB in ([0-9.]+) s");

    /**
     * {@code hebbscope replay} over {@code topics} into {@code outputPrefix}, plug-ins off like the main path; from
     * RUNNING is the command's own timing (printed with 0.1 s resolution).
     */
    static Result replay(String main, Properties client, Topics topics, String outputPrefix, Path workDir, Duration safetyLimit)
        throws Exception {
        List<String> args = List.of("replay", "--bootstrap-servers", bootstrap(client), "--topic-prefix", topics.prefix(),
            "--output-topic-prefix", outputPrefix, "--application-id", outputPrefix + "-app", "--plugins", "none",
            "--metrics-port", "-1", "--partitions", Integer.toString(BenchTopics.PARTITIONS), "--connect-timeout", "120");
        long start = System.nanoTime();
        String out = ChildJvm.run(workDir, "replay", main, args, safetyLimit);
        double fromStart = (System.nanoTime() - start) / 1e9;
        Matcher m = REPLAYED.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("replay printed no result line; output:\n" + out);
        }
        return new Result(fromStart, Double.parseDouble(m.group(3)), null);
    }

    private static String bootstrap(Properties client) {
        return client.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
    }
}
