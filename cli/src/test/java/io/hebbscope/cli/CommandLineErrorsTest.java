package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
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

    @Test
    void aTakenMetricsPortIsAClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int code = run("demo", "--epochs", "1", "--train-size", "256", "--metrics-port", Integer.toString(taken.getLocalPort()));
            assertThat(code).isEqualTo(1);
            assertThat(err.toString()).contains("cannot serve metrics on 127.0.0.1:" + taken.getLocalPort());
        }
    }
}
