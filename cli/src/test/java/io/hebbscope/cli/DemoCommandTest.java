package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.cli.logging.ShippedLogging;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DemoCommandTest {

    @TempDir
    Path logs;

    /** Under the shipped logging configuration: Kafka's logs go to the log file, none to the console. */
    @Test
    void aShortDemoRunsTheWholePipelinePrintsTheTableAndOnlyItsOwnLines() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code;
        String console;
        try (ShippedLogging logging = ShippedLogging.start(logs, "demo")) {
            code = cl.execute("demo", "--epochs", "2", "--train-size", "1024", "--validation-size", "256",
                "--metrics-port", "0", "--no-progress", "--weight-decay", "1e-3", "--run-id", "demo-test");
            console = logging.console();
        }
        String text = out.toString();
        assertThat(code).as("stdout:%n%s%nstderr:%n%s%nconsole:%n%s", text, err, console).isZero();
        assertThat(text)
            .contains("log file: " + logs.resolve("demo.log"))
            .contains("run demo-test: SRE MLP 32-128-128-32 tanh, SGD lr 0.1")
            .contains("epoch 2  step 8/8")
            .containsPattern("epoch 2  step 8/8 .*\\| analysis (not started|at step \\d+, (caught up|\\d+ steps? / [0-9.]+ s behind))")
            .contains("training completed after 8 steps")
            .containsPattern("analysis lag during training at most [0-9.]+ s; training held \\d+ times?, [0-9.]+ s in all, "
                + "to keep it within 1 s \\(--max-lag\\)")
            .contains("Prometheus metrics at http://127.0.0.1:")
            .containsPattern("layer0 +7 ")
            .containsPattern("layer1 +7 ")
            .containsPattern("layer2 +7 ");
        assertThat(text).doesNotContain("has not finished");

        // No library's log line or stack trace on the console; the file has them.
        assertThat(console).doesNotContainPattern("(?m)^\\d\\d:\\d\\d:\\d\\d (TRACE|DEBUG|INFO|WARN|ERROR) ")
            .doesNotContainPattern("(?m)^\\s+at (org\\.apache\\.)?kafka\\.").doesNotContain("org.apache.kafka");
        assertThat(Files.readString(logs.resolve("demo.log"))).contains(" kafka.server.BrokerServer - ")
            .contains(" org.apache.kafka.streams.KafkaStreams - ");
    }
}
