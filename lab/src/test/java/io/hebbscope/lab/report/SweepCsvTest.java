package io.hebbscope.lab.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the sweep results CSV: values as written, errors named by path and line. */
class SweepCsvTest {
    @TempDir
    Path dir;

    private Path write(String... lines) throws Exception {
        Path f = dir.resolve("results.csv");
        Files.write(f, List.of(lines));
        return f;
    }

    @Test
    void rowsKeepTheirValuesAndEmptyFieldsAreUndefined() throws Exception {
        Path f = write(SweepCsv.HEADER,
            "r1,MLP,sgd,5e-4,0.01,0.01,3,layer1,0.25,0.5,-0.125,0.0123,,false,,,,",
            "",
            "r2,Transformer,adam,0,0,0.001,4,layer0,,,,0.5,0.75,true,,,,");
        List<SweepRow> rows = SweepCsv.read(f);
        assertThat(rows).containsExactly(
            new SweepRow("r1", "MLP", "sgd", 5e-4, 0.01, 0.01, 3, "layer1", 0.25, 0.5, -0.125, 0.0123, null, false),
            new SweepRow("r2", "Transformer", "adam", 0, 0, 0.001, 4, "layer0", null, null, null, 0.5, 0.75, true));
    }

    @Test
    void theNewColumnsAndTheFirstFormat() throws Exception {
        Path f = write(SweepCsv.HEADER,
            "r1,MLP,adam,5e-3,0,0.001,3,layer1,0.25,0.5,-0.125,0.0123,,true,0.08,0.0125,20,false",
            "r2,MLP,adam,0,0,0.001,3,layer1,0.25,0.5,-0.125,0.0123,,false,,,,");
        assertThat(SweepCsv.read(f)).containsExactly(
            new SweepRow("r1", "MLP", "adam", 5e-3, 0, 0.001, 3, "layer1", 0.25, 0.5, -0.125, 0.0123, null, true, 0.08, 0.0125,
                20, false),
            new SweepRow("r2", "MLP", "adam", 0, 0, 0.001, 3, "layer1", 0.25, 0.5, -0.125, 0.0123, null, false));
        Path legacy = write(SweepCsv.LEGACY_HEADER, "r1,MLP,sgd,5e-4,0.01,0.01,3,layer1,0.25,0.5,-0.125,0.0123,,false");
        assertThat(SweepCsv.read(legacy)).containsExactly(
            new SweepRow("r1", "MLP", "sgd", 5e-4, 0.01, 0.01, 3, "layer1", 0.25, 0.5, -0.125, 0.0123, null, false));
        assertThatThrownBy(() -> SweepCsv.read(write(SweepCsv.HEADER,
            "r1,MLP,adam,5e-3,0,0.001,3,layer1,0.25,0.5,-0.125,0.0123,,true,0.08,0.0125,20,maybe")))
            .hasMessageContaining("line 2: converged 'maybe' must be true, false or empty");
        assertThatThrownBy(() -> SweepCsv.read(write(SweepCsv.HEADER,
            "r1,MLP,adam,5e-3,0,0.001,3,layer1,0.25,0.5,-0.125,0.0123,,true,-1,0.0125,20,")))
            .hasMessageContaining("line 2: weight_norm_ratio '-1' must be >= 0");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("no-such.csv");
        assertThatThrownBy(() -> SweepCsv.read(missing)).isInstanceOf(NoSuchFileException.class)
            .hasMessageContaining(missing.toAbsolutePath().toString());
    }

    @Test
    void malformedRowsAreNamedByLineNumber() throws Exception {
        String good = "r1,MLP,sgd,5e-4,0,0.01,3,layer1,0.25,0.5,-0.125,0.0123,,false,,,,";
        assertThatThrownBy(() -> SweepCsv.read(write("run,model", good))).hasMessageContaining("line 1")
            .hasMessageContaining("header must be " + SweepCsv.HEADER);
        assertThatThrownBy(() -> SweepCsv.read(write(SweepCsv.HEADER, good, "r2,MLP,sgd,5e-4"))).hasMessageContaining("line 3")
            .hasMessageContaining("expected 18 fields but found 4");
        assertThatThrownBy(() -> SweepCsv.read(write(SweepCsv.HEADER, good, good.replace("0.5,-0.125", "half,-0.125"))))
            .hasMessageContaining(dir.resolve("results.csv").toAbsolutePath() + " line 3: alignment_signal 'half' is not a number");
        assertThatThrownBy(() -> SweepCsv.read(write(SweepCsv.HEADER, good.replace(",false,", ",yes,"))))
            .hasMessageContaining("line 2: collapsed 'yes' must be true or false");
        assertThatThrownBy(() -> SweepCsv.read(write(SweepCsv.HEADER, good.replace(",3,layer1", ",3.5,layer1"))))
            .hasMessageContaining("line 2: seed '3.5' must be an integer");
        assertThatThrownBy(() -> SweepCsv.read(write(SweepCsv.HEADER, good.replace("sgd,5e-4", "sgd,-1"))))
            .hasMessageContaining("line 2: weight_decay '-1' must be >= 0");
        assertThatThrownBy(() -> SweepCsv.read(write(SweepCsv.HEADER, good.replace("sgd,5e-4,0", "sgd,5e-4,"))))
            .hasMessageContaining("line 2: noise '' must not be empty");
        assertThatThrownBy(() -> SweepCsv.read(write(SweepCsv.HEADER, good.replace("0.25,", "NaN,"))))
            .hasMessageContaining("line 2: alignment_gradient 'NaN' must be a finite number");
        assertThatThrownBy(() -> SweepCsv.read(write())).hasMessageContaining("empty file");
    }
}
