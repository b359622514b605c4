package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad input gets a clear message and a non-zero exit, never a stack trace or a hang. */
class CommandLineErrorsTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void missingCommandAndUnknownOptionsShowUsage() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("missing command").contains("demo");
        assertThat(run("demo", "--epochz", "3")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown options: '--epochz'").contains("Possible solutions: --epochs");
    }

    @Test
    void trainResumeIsInTheHelpAndTakesNoTrainingOptions() {
        assertThat(run("train", "--help")).isZero();
        assertThat(out.toString()).contains("--resume=RUN_ID").contains("whose trainer crashed");
        assertThat(run("train", "--bootstrap-servers", "127.0.0.1:1", "--resume", "r1", "--epochs", "3", "--weight-decay",
            "1e-3")).isEqualTo(2);
        assertThat(err.toString()).contains("--resume continues run r1 with the options it started with (its RunStarted); "
            + "drop --epochs, --weight-decay");
        assertThat(run("train", "--bootstrap-servers", "127.0.0.1:1", "--resume", "a/b")).isEqualTo(2);
        assertThat(err.toString()).contains("--resume: run id 'a/b'");
    }

    @Test
    void invalidValuesAreNamed() {
        assertThat(run("demo", "--epochs", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("batch size and epochs must be > 0");
        assertThat(run("demo", "--activation", "swish")).isEqualTo(2);
        assertThat(err.toString()).contains("--activation must be one of");
        assertThat(run("demo", "--widths", "32-x-32")).isEqualTo(2);
        assertThat(err.toString()).contains("--widths must look like");
        assertThat(run("demo", "--learning-rate", "abc")).isEqualTo(2);
        assertThat(err.toString()).contains("'abc' is not a double");
        assertThat(run("demo", "--dtype", "int8")).isEqualTo(2);
        assertThat(err.toString()).contains("--dtype must be float32 or bfloat16");
        assertThat(run("demo", "--run-id", "a/b")).isEqualTo(2);
        assertThat(err.toString()).contains("run id 'a/b'");
        assertThat(run("demo", "--ewma-alpha", "2")).isEqualTo(2);
        assertThat(err.toString()).contains("ewma alpha must be in (0, 1]");
        assertThat(run("analyze", "--bootstrap-servers", "127.0.0.1:1", "--stream-threads", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--stream-threads must be 1..64, got 0");
        assertThat(run("train", "--bootstrap-servers", "127.0.0.1:1", "--replication-factor", "1", "--min-insync-replicas", "2"))
            .isEqualTo(2);
        assertThat(err.toString()).contains("min insync replicas (2) cannot exceed the replication factor (1)");
        assertThat(run("import", "--bootstrap-servers", "127.0.0.1:1", "--replication-factor", "0", "--in", ".")).isEqualTo(2);
        assertThat(err.toString()).contains("replication factor must be >= 1 (or -1: the broker's default), got 0");
        assertThat(run("demo", "--max-lag", "-1")).isEqualTo(2);
        assertThat(run("demo", "--partitions", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-lag must be a number of seconds >= 0, got -1.0");
        assertThat(run("train", "--bootstrap-servers", "127.0.0.1:1", "--max-lag", "NaN")).isEqualTo(2);
        assertThat(err.toString()).contains("--max-lag must be a number of seconds >= 0, got NaN");
        assertThat(run("train")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--bootstrap-servers");
    }

    @Test
    void aMissingClientConfigNamesThePath() {
        assertThat(run("train", "--bootstrap-servers", "127.0.0.1:1", "--client-config", "/no/such/client.properties")).isEqualTo(2);
        assertThat(err.toString()).contains("client config file not found: /no/such/client.properties");
    }

    @Test
    void anUnreachableBrokerIsReportedWithinTheTimeout() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        long start = System.nanoTime();
        int code = run("train", "--bootstrap-servers", "127.0.0.1:" + closedPort, "--connect-timeout", "2", "--epochs", "1");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("Kafka is not reachable at").contains("127.0.0.1:" + closedPort);
        assertThat(seconds).isLessThan(20);
        assertThat(run("analyze", "--bootstrap-servers", "127.0.0.1:" + closedPort, "--connect-timeout", "2")).isEqualTo(1);
    }

    /** Issue 11, item 5: a malformed bootstrap server list is a bad option (exit code 2) in every command. */
    @Test
    void aMalformedBootstrapServerListIsABadOption(@TempDir Path dir) throws Exception {
        Path in = Files.createDirectories(dir.resolve("in").resolve("r1"));
        Files.write(in.resolve("runs.avro"), new byte[0]);
        String[][] commands = {
            {"train", "--epochs", "1"}, {"analyze"}, {"replay"}, {"export", "--out", dir.resolve("out").toString()},
            {"import", "--in", dir.resolve("in").toString()}, {"report", "--out", dir.resolve("report").toString()},
            {"sweep", "--epochs", "1", "--out", dir.resolve("sweep").toString()}};
        for (String bad : new String[] {"not-a-host:xx", "127.0.0.1", "h:0", "h:70000", "h:1,,h:2"}) {
            for (String[] command : commands) {
                String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(command),
                    java.util.stream.Stream.of("--bootstrap-servers", bad, "--connect-timeout", "2")).toArray(String[]::new);
                if (command[0].equals("sweep")) {
                    args = java.util.Arrays.copyOf(args, args.length - 2); // the sweep has no --connect-timeout
                }
                assertThat(run(args)).as(String.join(" ", args)).isEqualTo(2);
                assertThat(err.toString()).contains("--bootstrap-servers").contains("is not HOST:PORT");
            }
        }
        assertThat(err.toString()).doesNotContain("error:");
    }

    /** A client configuration Kafka rejects is a bad option too, not a runtime failure. */
    @Test
    void anInvalidClientConfigIsABadOption(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("client.properties");
        Files.writeString(config, "security.protocol=NO_SUCH_PROTOCOL\n");
        assertThat(run("analyze", "--bootstrap-servers", "127.0.0.1:1", "--client-config", config.toString(),
            "--connect-timeout", "2")).isEqualTo(2);
        assertThat(err.toString()).contains("invalid Kafka client configuration");
    }

    /**
     * Issue 11, item 4: every command that reaches a cluster gives up within --connect-timeout of its start (plus the
     * time to say so), whatever it does beside it (the trainer's preparation of ND4J competes for the CPU).
     */
    @Test
    void theConnectTimeoutIsHonouredByEveryCommand(@TempDir Path dir) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Path in = Files.createDirectories(dir.resolve("in").resolve("r1"));
        Files.write(in.resolve("runs.avro"), new byte[0]);
        String[][] commands = {
            {"train", "--epochs", "1"}, {"analyze", "--state-dir", dir.resolve("state").toString()}, {"replay"},
            {"export", "--out", dir.resolve("out").toString()}, {"import", "--in", dir.resolve("in").toString()},
            {"report", "--out", dir.resolve("report").toString()}};
        StringBuilder figures = new StringBuilder();
        for (int timeout : new int[] {2, 3}) {
            for (String[] command : commands) {
                String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(command), java.util.stream.Stream.of(
                    "--bootstrap-servers", "127.0.0.1:" + closedPort, "--connect-timeout", Integer.toString(timeout)))
                    .toArray(String[]::new);
                long start = System.nanoTime();
                int code = run(args);
                double seconds = (System.nanoTime() - start) / 1e9;
                figures.append(String.format(java.util.Locale.ROOT, "%s --connect-timeout %d: exit %d after %.2f s%n",
                    command[0], timeout, code, seconds));
                assertThat(code).as(command[0]).isEqualTo(1);
                assertThat(err.toString()).contains("Kafka is not reachable at").contains("127.0.0.1:" + closedPort);
                assertThat(seconds).as(String.join(" ", args)).isLessThan(timeout + 1.5);
            }
        }
        System.out.print(figures);
    }

    /** Issue 11, item 6: the in-process broker's start is bounded by an option, not a fixed minute. */
    @Test
    void theBrokerStartTimeoutIsAnOption() {
        assertThat(run("demo", "--broker-start-timeout", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("--broker-start-timeout must be >= 1 second");
        assertThat(run("broker", "--broker-start-timeout", "-5")).isEqualTo(2);
        assertThat(run("sweep", "--broker-start-timeout", "0")).isEqualTo(2);
        CommandLine cl = Hebbscope.commandLine();
        cl.parseArgs("demo");
        assertThat(((DemoCommand) cl.getSubcommands().get("demo").getCommand()).brokerStart.brokerStartTimeoutSeconds)
            .isEqualTo(600);
    }

    @Test
    void aTakenMetricsPortIsAClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int code = run("demo", "--epochs", "1", "--train-size", "256", "--metrics-port", Integer.toString(taken.getLocalPort()));
            assertThat(code).isEqualTo(1);
            assertThat(err.toString()).contains("cannot serve metrics on 127.0.0.1:" + taken.getLocalPort());
        }
    }
}
