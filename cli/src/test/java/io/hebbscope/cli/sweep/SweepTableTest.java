package io.hebbscope.cli.sweep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hebbscope.schema.LayerAlignment;
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
    void meansOverTheLastEpochAndTheTable1Layout() throws Exception {
        Map<String, SweepPoint> points = new LinkedHashMap<>();
        SweepGrid grid = new SweepGrid(List.of("mlp"), List.of("sgd"), List.of(0.0, 5e-3), List.of(0.0), List.of(0.1), List.of(1L, 2L));
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
        SweepTable table = SweepTable.from(points, Map.of(), alignments);
        assertThat(table.rows()).hasSize(4);
        assertThat(table.rows().get(0).signal()).isCloseTo(0.1, within(1e-12));
        assertThat(table.rows().get(3).update()).isCloseTo(0.45, within(1e-12));
        // no outcome known: counted as collapsed, shown as "–"
        assertThat(table.table1Markdown("layer1")).contains("| mlp | sgd | – | – |");

        List<SweepRow> real = table.rows().stream().map(r -> new SweepRow(r.runId(), r.point(), r.layer(), r.gradient(), r.signal(),
            r.update(), 0.01, null, false)).toList();
        SweepTable ok = new SweepTable(real);
        // γ=0: seeds 0.1 and 0.3 -> 0.20±0.14; γ=5e-3: 0.5 and 0.9 -> 0.70±0.28 (sample std)
        assertThat(ok.table1Markdown("layer1")).contains("| γ=0 | γ=0.005 |").contains("| mlp | sgd | 0.20±0.14 | 0.70±0.28 |");
        ok.writeCsv(dir.resolve("r.csv"));
        List<String> lines = Files.readAllLines(dir.resolve("r.csv"));
        assertThat(lines.get(0)).isEqualTo(SweepRow.CSV_HEADER);
        assertThat(lines.get(1)).startsWith("t-mlp-sgd-g0-s0-lr0.1-seed1,mlp,sgd,0.0,0.0,0.1,1,layer1,").endsWith(",0.01,,false");
    }
}
