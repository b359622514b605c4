package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DemoCommandTest {

    @Test
    void aShortDemoRunsTheWholePipelineAndPrintsTheTable() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("demo", "--epochs", "2", "--train-size", "1024", "--validation-size", "256",
            "--metrics-port", "0", "--no-progress", "--weight-decay", "1e-3", "--run-id", "demo-test");
        String text = out.toString();
        assertThat(code).as("stdout:%n%s%nstderr:%n%s", text, err).isZero();
        assertThat(text)
            .contains("run demo-test: SRE MLP 32-128-128-32 tanh, SGD lr 0.1")
            .contains("epoch 2  step 8/8")
            .contains("training completed after 8 steps")
            .contains("Prometheus metrics at http://127.0.0.1:")
            .containsPattern("layer0 +7 ")
            .containsPattern("layer1 +7 ")
            .containsPattern("layer2 +7 ");
        assertThat(text).doesNotContain("has not finished");
    }
}
