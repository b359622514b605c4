package io.hebbscope.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.hebbscope.cli.Hebbscope;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code bench --scale} at a small size: every figure exists and is a positive number; none is judged. */
class ScaleBenchCommandTest {
    private static final List<String> REQUIRED = List.of("/parameters", "/trainingAlone/medianMs", "/probe/medianMs",
        "/statistics/medianMs", "/statisticsAndTensors/medianMs", "/statisticsRatio", "/statisticsAndTensorsRatio",
        "/largestLayer/sketchLookupMs", "/largestLayer/sketchHistogramMs", "/largestLayer/rowStatisticsMs",
        "/lag/samples", "/lag/p50Ms", "/lag/p99Ms", "/lag/p99MsTensorSteps", "/lag/p99MsStatisticsOnlySteps",
        "/lag/layerStatsRecords", "/lag/layerStepRecords", "/statisticsOnlyLag/p99Ms", "/statisticsOnlyLag/layerStatsRecords",
        "/yieldingLag/p99Ms", "/yieldingLag/layerStepRecords");

    @TempDir
    Path out;

    @Test
    void aSmallRunProducesEveryFigure() throws Exception {
        StringWriter stdout = new StringWriter();
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(stdout, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        int code = cl.execute("bench", "--scale", "--widths", "8-64-8", "--train-size", "256", "--validation-size", "64",
            "--batch-size", "64", "--steps", "10", "--warmup", "2", "--lag-steps", "16", "--stats", "--publish-every", "4",
            "--snapshot-every", "8", "--run-id", "scale-test", "--out", out.toString());
        assertThat(code).as("stdout:%n%s", stdout).isZero();
        JsonNode json = new ObjectMapper().readTree(out.resolve("scale.json").toFile());
        for (String pointer : REQUIRED) {
            assertThat(json.at(pointer).isNumber()).as("%s in%n%s", pointer, json.toPrettyString()).isTrue();
            assertThat(json.at(pointer).asDouble()).as(pointer).isPositive();
        }
        assertThat(Files.readString(out.resolve("scale.md"))).contains("(c) + statistics, published")
            .contains("Live lag");
        int refused = Hebbscope.commandLine().execute("bench", "--scale", "--out", out.toString());
        assertThat(refused).isNotZero();
    }
}
