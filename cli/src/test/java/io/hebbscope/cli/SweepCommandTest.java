package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.lab.report.SweepCsv;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A sweep of four tiny runs, end to end on a real in-process broker, producing the tables. */
class SweepCommandTest {
    @TempDir
    Path out;

    @Test
    void aTinySweepWritesTheResultsTable() throws Exception {
        StringWriter text = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(text, true));
        cl.setErr(new PrintWriter(err, true));
        // until converged with a tolerance every run meets: two windows of one epoch, so 2 epochs each
        int code = cl.execute("sweep", "--gammas", "0,5e-3", "--seeds", "1,2", "--until-converged", "--max-epochs", "5",
            "--patience", "1", "--convergence-tolerance", "10", "--average-epochs", "2", "--train-size", "512",
            "--validation-size", "128", "--batch-size", "128", "--learning-rate", "0.01", "--learning-rates", "0.1",
            "--metrics-port", "-1", "--sweep-id", "tiny", "--out", out.toString());
        assertThat(code).as("%s%n%s", text, err).isZero();
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv).hasSize(1 + 4 * 3);
        assertThat(csv.subList(1, csv.size())).allSatisfy(line -> {
            String[] f = line.split(",", -1);
            assertThat(f).hasSize(SweepCsv.COLUMNS.size());
            assertThat(Double.parseDouble(f[SweepCsv.COLUMNS.indexOf("alignment_signal")])).isBetween(-1.0, 1.0);
            assertThat(f[SweepCsv.COLUMNS.indexOf("collapsed")]).isEqualTo("false");
            assertThat(Double.parseDouble(f[SweepCsv.COLUMNS.indexOf("weight_norm_ratio")])).isPositive();
            assertThat(Double.parseDouble(f[SweepCsv.COLUMNS.indexOf("baseline_loss")])).isPositive();
            assertThat(f[SweepCsv.COLUMNS.indexOf("epochs")]).isEqualTo("2");
            assertThat(f[SweepCsv.COLUMNS.indexOf("converged")]).isEqualTo("true");
        });
        assertThat(csv).anyMatch(l -> l.startsWith("tiny-mlp-sgd-g0.005-s0-lr0.1-seed2,mlp,sgd,0.005,0.0,0.1,2,layer1,"));
        String summary = Files.readString(out.resolve("summary.md"));
        assertThat(summary).contains("| model | rule | γ=0 | γ=5e-3 |").containsPattern("\\| mlp \\| sgd \\| -?\\d\\.\\d\\d±\\d\\.\\d\\d \\|");
        assertThat(text.toString()).contains("[4/4]").contains("(converged) after 2 epochs");
        // only what every run shares: the grid's learning rate, not the base's, and no run id
        assertThat(summary).contains("Settings shared by every run: ").contains("learningRate=0.1,")
            .doesNotContain("learningRate=0.01").doesNotContain("runId=").contains("Varying over the grid: weightDecay, seed.");
    }
}
