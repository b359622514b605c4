package io.hebbscope.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConvergenceTest {

    @Test
    void needsTwoFullWindows() {
        Convergence c = new Convergence(3, 0.01);
        for (int i = 0; i < 5; i++) {
            assertThat(c.observe(1.0, new double[] {2.0})).as("epoch %d", i).isFalse();
        }
        assertThat(c.observe(1.0, new double[] {2.0})).isTrue();
        assertThat(c.epochs()).isEqualTo(6);
    }

    @Test
    void aFallingLossIsNotAPlateau() {
        // Loss falls 2% per epoch: window means 0.98^k differ by ~4% > 1%.
        Convergence c = new Convergence(2, 0.01);
        double loss = 1;
        for (int i = 0; i < 20; i++) {
            assertThat(c.observe(loss, new double[] {1.0})).isFalse();
            loss *= 0.98;
        }
    }

    @Test
    void aRisingLossCountsAsAPlateauButDriftingNormsDoNot() {
        Convergence rising = new Convergence(2, 0.01);
        boolean done = false;
        for (int i = 0; i < 4; i++) {
            done = rising.observe(1.0 + 0.1 * i, new double[] {1.0});
        }
        assertThat(done).isTrue();
        // Window means of the norm: (1 + 1.02)/2 = 1.01 and (1.04 + 1.06)/2 = 1.05: 4% apart.
        Convergence drifting = new Convergence(2, 0.01);
        for (int i = 0; i < 4; i++) {
            done = drifting.observe(1.0, new double[] {3.0, 1.0 + 0.02 * i});
        }
        assertThat(done).isFalse();
        // Shrinking norms are drift too.
        Convergence shrinking = new Convergence(2, 0.01);
        for (int i = 0; i < 4; i++) {
            done = shrinking.observe(1.0, new double[] {3.0 - 0.1 * i});
        }
        assertThat(done).isFalse();
    }

    @Test
    void jitterWithinTheToleranceConverges() {
        // Alternating +-1.5% around a flat level: single epochs differ by 3%, window means of 2 do not at all.
        Convergence c = new Convergence(2, 0.01);
        boolean done = false;
        for (int i = 0; i < 4; i++) {
            double jitter = i % 2 == 0 ? 1.015 : 0.985;
            done = c.observe(jitter, new double[] {5 * jitter});
        }
        assertThat(done).isTrue();
    }

    @Test
    void nonFiniteValuesNeverConverge() {
        Convergence c = new Convergence(1, 0.5);
        c.observe(Double.NaN, new double[] {1});
        assertThat(c.observe(1, new double[] {1})).isFalse();
        assertThatThrownBy(() -> new Convergence(0, 0.1)).hasMessageContaining("patience");
        assertThatThrownBy(() -> new Convergence(1, 0)).hasMessageContaining("tolerance");
    }
}
