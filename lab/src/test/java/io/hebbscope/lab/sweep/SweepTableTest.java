package io.hebbscope.lab.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hebbscope.lab.report.SweepCsv;
import io.hebbscope.lab.report.SweepRow;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.trainer.TrainerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepTableTest {
    @TempDir
    Path dir;

    static LayerAlignment a(String run, String layer, long step, int epoch, Double signal) {
        return LayerAlignment.newBuilder().setRunId(run).setLayer(layer).setLayerIndex(1).setStep(step).setEpoch(epoch)
            .setGradient(signal).setSignal(signal).setUpdate(signal == null ? null : signal / 2).setGradientNorm(1).setSignalNorm(1)
            .setUpdateNorm(1).setHebbianNorm(1).setHebbianNeurons(0).setAntiHebbianNeurons(0).setNeutralNeurons(0)
            .setUndefinedNeurons(0).build();
    }

    @Test
    void meansOverTheLastEpochTheCsvAndTheTable1Layout() throws Exception {
        SweepGrid grid = new SweepGrid(List.of("mlp"), List.of("sgd"), List.of(0.0, 5e-3), List.of(0.0), List.of(0.1), List.of(1L, 2L));
        Map<String, SweepPoint> points = new LinkedHashMap<>();
        for (SweepPoint p : grid.points()) {
            points.put(p.runId("t"), p);
        }
        assertThat(points).hasSize(4).containsKey("t-mlp-sgd-g0.005-s0-lr0.1-seed2");
        List<LayerAlignment> alignments = new ArrayList<>();
        double[] value = {0.1, 0.3, 0.5, 0.9};
        int i = 0;
        for (String run : points.keySet()) {
            alignments.add(a(run, "layer1", 0, 0, -1.0)); // epoch 0: not in the mean
            alignments.add(a(run, "layer1", 1, 1, value[i] - 0.1));
            alignments.add(a(run, "layer1", 2, 1, value[i] + 0.1));
            alignments.add(a(run, "layer1", 3, 1, null)); // undefined: skipped
            i++;
        }
        SweepTable unfinished = SweepTable.from(points, Map.of(), alignments);
        assertThat(unfinished.rows()).hasSize(4).allMatch(SweepRow::collapsed);
        assertThat(unfinished.rows().get(0).alignmentSignal()).isCloseTo(0.1, within(1e-12));
        assertThat(unfinished.rows().get(3).alignmentUpdate()).isCloseTo(0.45, within(1e-12));
        // Over the last two epochs: epoch 0's -1 joins the mean, (-1 + 0.0 + 0.2) / 3 for the first run.
        assertThat(SweepTable.from(points, Map.of(), alignments, 2).rows().get(0).alignmentSignal())
            .isCloseTo(-0.8 / 3, within(1e-12));

        List<SweepRow> finished = unfinished.rows().stream().map(r -> new SweepRow(r.runId(), r.model(), r.rule(), r.weightDecay(),
            r.noise(), r.learningRate(), r.seed(), r.layer(), r.alignmentGradient(), r.alignmentSignal(), r.alignmentUpdate(), 0.01,
            null, false)).toList();
        StringWriter text = new StringWriter();
        SweepReport.write(new SweepTable(finished), dir, "layer1", configs(grid, TrainerConfig.builder().runId("x").build()), grid,
            new PrintWriter(text, true));
        assertThat(SweepCsv.read(dir.resolve("results.csv"))).isEqualTo(finished);
        // γ=0: seeds 0.1 and 0.3 -> 0.20±0.10; γ=5e-3: 0.5 and 0.9 -> 0.70±0.20
        assertThat(Files.readString(dir.resolve("summary.md"))).contains("| model | rule | γ=0 | γ=5e-3 |")
            .contains("| mlp | sgd | 0.20±0.10 | 0.70±0.20 |");
        assertThat(Files.readString(dir.resolve("runs.md"))).contains("| t-mlp-sgd-g0-s0-lr0.1-seed1 | layer1 | +0.100 | +0.100 | +0.050 |");
        // beside Table 1: the gradient's and the update's alignment (update = signal / 2 here)
        assertThat(Files.readString(dir.resolve("summary.md"))).contains("| model | rule | term | γ=0 | γ=5e-3 |")
            .contains("| mlp | sgd | -∇W | 0.20±0.10 | 0.70±0.20 |").contains("| mlp | sgd | U | 0.10±0.05 | 0.35±0.10 |")
            .contains("sgd: -∇W");
    }

    static List<TrainerConfig> configs(SweepGrid grid, TrainerConfig base) {
        return grid.points().stream().map(p -> SweepConfigs.configure(base.toBuilder(), p).runId(p.runId("t")).build()).toList();
    }

    @Test
    void theSettingsLineShowsOnlyWhatEveryRunShares() {
        // The base says lr 0.01, seed 1, run id base-run; every run of the grid has lr 0.05 and seed 11 or 12.
        TrainerConfig base = TrainerConfig.builder().runId("sre-mlp-sgd-wd0-s1-123").learningRate(0.01).seed(1).epochs(20).build();
        SweepGrid grid = new SweepGrid(List.of("mlp"), List.of("sgd", "adam"), List.of(0.0, 5e-4), List.of(0.0), List.of(0.05),
            List.of(11L, 12L));
        String settings = SweepReport.settingsLine(configs(grid, base));
        assertThat(settings).startsWith("Settings shared by every run: ").contains("learningRate=0.05").contains("epochs=20")
            .contains("noiseSigma=0.0").contains("decayBiases=true")
            .doesNotContain("sre-mlp-sgd-wd0-s1-123").doesNotContain("runId").doesNotContain("learningRate=0.01")
            .doesNotContain("seed=1,").doesNotContain("rule=").doesNotContain("weightDecay=")
            .endsWith("Varying over the grid: rule, weightDecay, seed.");
        // One seed and one rule: they are shared settings then.
        SweepGrid one = new SweepGrid(List.of("mlp"), List.of("adam"), List.of(0.0, 5e-4), List.of(0.0), List.of(1e-3), List.of(11L));
        assertThat(SweepReport.settingsLine(configs(one, base))).contains("rule=adam").contains("seed=11,")
            .contains("learningRate=0.001").endsWith("Varying over the grid: weightDecay.");
        assertThat(SweepReport.gridLine(grid)).isEqualTo(
            "Grid: models [mlp] x rules [sgd, adam] x γ [0, 5e-4] x σ [0] x learning rates [0.05] x seeds [11, 12] = 8 runs.");
    }

    @Test
    void collapsedRunsAreFlaggedInTheTable() throws Exception {
        List<SweepRow> rows = new ArrayList<>();
        for (long seed = 1; seed <= 3; seed++) {
            rows.add(new SweepRow("a" + seed, "mlp", "adam", 5e-3, 0, 1e-3, seed, "layer1", 0.8, 0.9, 0.1, 0.05, null,
                seed == 3, seed == 3 ? 0.08 : 0.9, 0.06, 20, false));
            rows.add(new SweepRow("b" + seed, "mlp", "adam", 5e-2, 0, 1e-3, seed, "layer1", 0.8, 0.9, 0.1, 0.06, null,
                true, 0.01, 0.06, 20, false));
        }
        StringWriter text = new StringWriter();
        SweepGrid grid = new SweepGrid(List.of("mlp"), List.of("adam"), List.of(5e-3, 5e-2), List.of(0.0), List.of(1e-3),
            List.of(1L, 2L, 3L));
        SweepReport.write(new SweepTable(rows), dir, "layer1", configs(grid, TrainerConfig.builder().build()), grid,
            new PrintWriter(text, true));
        String summary = Files.readString(dir.resolve("summary.md"));
        assertThat(summary).contains("| mlp | adam | 0.90±0.00 (1/3 collapsed) | – |");
        assertThat(Files.readString(dir.resolve("runs.md"))).contains("| a3 | layer1 | +0.800 | +0.900 | +0.100 | 0.05000 | 0.06000 | 0.080 | 20 | yes |");
        assertThat(SweepCsv.read(dir.resolve("results.csv"))).isEqualTo(rows);
    }
}
