package io.hebbscope.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The analysis-only run's result line, written and read back. */
class AnalysisOnlyTest {
    @Test
    void resultLineRoundTripsAndTheFastestRoundCounts() {
        AnalysisOnly.Result r = new AnalysisOnly.Result(9480, 937_012_345L, 9480, new double[] {7.5, 3.125, 3.5},
            new double[] {0.25, 0.0, 0.125});
        AnalysisOnly.Result back = AnalysisOnly.parse("WARN noise\n" + AnalysisOnly.line(r) + "\n");
        assertThat(back.layerSteps()).isEqualTo(9480);
        assertThat(back.bytes()).isEqualTo(937_012_345L);
        assertThat(back.alignments()).isEqualTo(9480);
        assertThat(back.roundSeconds()).containsExactly(7.5, 3.125, 3.5);
        assertThat(back.gcSeconds()).containsExactly(0.25, 0.0, 0.125);
        assertThat(back.bestSeconds()).isEqualTo(3.125);
        assertThatThrownBy(() -> AnalysisOnly.parse("Exception in thread main")).hasMessageContaining("no result line");
    }
}
