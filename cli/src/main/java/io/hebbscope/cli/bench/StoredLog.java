package io.hebbscope.cli.bench;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.cli.Hebbscope;
import io.hebbscope.schema.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * The analyzer working through a log that is already stored: the main path (a new application id, from offset 0,
 * done when the last LayerAlignment is visible) and the {@code replay} command (run as the command line runs it,
 * done when its committed offsets have caught up, as the command decides).
 */
final class StoredLog {
    /**
     * @param fromStartSeconds   from starting the analyzer (topic checks, Kafka Streams start-up, group join) to done
     * @param fromRunningSeconds from the application reaching RUNNING to done
     */
    record Result(double fromStartSeconds, double fromRunningSeconds) {}

    private StoredLog() {}

    /** The main path over every run in {@code topics}, done when {@code expectedOutputs} of {@code runId} are visible. */
    static Result mainPath(Properties client, Topics topics, String runId, long expectedOutputs, Path stateDir,
                           Duration safetyLimit) throws Exception {
        try (AlignmentArrivals arrivals = new AlignmentArrivals(client, topics)) {
            long start = System.currentTimeMillis();
            try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, topics, topics.prefix() + "-stored-log",
                stateDir, AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, BenchTopics.PARTITIONS, (short) 1))) {
                analyzer.awaitRunning(safetyLimit);
                long running = System.currentTimeMillis();
                if (!arrivals.await(() -> arrivals.distinct(runId) >= expectedOutputs, () -> analyzer.failure() != null,
                    safetyLimit)) {
                    throw new IllegalStateException(analyzer.failure() != null ? "the analyzer failed: " + analyzer.failure()
                        : "the analyzer did not finish the stored log within " + safetyLimit.toMinutes() + " minutes");
                }
                long done = arrivals.matching(a -> a.runId().equals(runId)).stream()
                    .mapToLong(AlignmentArrivals.Arrival::arrivalMs).max().orElseThrow();
                return new Result((done - start) / 1e3, Math.max(1, done - running) / 1e3);
            }
        }
    }

    private static final Pattern REPLAYED = Pattern.compile("replayed (\\d+) records, ([0-9.]+) MB in ([0-9.]+) s");

    /**
     * {@code hebbscope replay} over {@code topics} into {@code outputPrefix}, plug-ins off like the main path; from
     * RUNNING is the command's own timing (it prints it with 0.1 s resolution).
     */
    static Result replay(Properties client, Topics topics, String outputPrefix) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        long start = System.nanoTime();
        int code = cl.execute(List.of("replay", "--bootstrap-servers",
            client.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG), "--topic-prefix", topics.prefix(),
            "--output-topic-prefix", outputPrefix, "--application-id", outputPrefix + "-app", "--plugins", "none",
            "--metrics-port", "-1", "--partitions", Integer.toString(BenchTopics.PARTITIONS), "--connect-timeout", "120")
            .toArray(String[]::new));
        double fromStart = (System.nanoTime() - start) / 1e9;
        Matcher m = REPLAYED.matcher(out.toString());
        if (code != 0 || !m.find()) {
            throw new IllegalStateException("replay exited with " + code + "; output:\n" + out + err);
        }
        return new Result(fromStart, Double.parseDouble(m.group(3)));
    }
}
