package io.hebbscope.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Function values at a few points (the finite-difference test checks the derivatives against these). */
class ActivationTest {
    private static final INDArray H = Nd4j.createFromArray(-2.0, -0.5, 0.0, 1.0, 3.0);

    private static double[] apply(Activation a) {
        INDArray out = a.apply(H);
        return out.toDoubleVector();
    }

    @Test
    void valuesMatchTheirDefinitions() {
        double[] h = H.toDoubleVector();
        double[] tanh = apply(Activation.TANH);
        double[] relu = apply(Activation.RELU);
        double[] sigmoid = apply(Activation.SIGMOID);
        double[] linear = apply(Activation.LINEAR);
        double[] gelu = apply(Activation.GELU);
        // GELU(x) = x Phi(x): Phi(-2) = 0.0227501319, Phi(-0.5) = 0.3085375387, Phi(1) = 0.8413447461,
        // Phi(3) = 0.9986501020.
        double[] phi = {0.0227501319, 0.3085375387, 0.5, 0.8413447461, 0.9986501020};
        for (int i = 0; i < h.length; i++) {
            assertThat(tanh[i]).isCloseTo(Math.tanh(h[i]), within(1e-12));
            assertThat(relu[i]).isEqualTo(Math.max(0, h[i]));
            assertThat(sigmoid[i]).isCloseTo(1 / (1 + Math.exp(-h[i])), within(1e-12));
            assertThat(linear[i]).isEqualTo(h[i]);
            assertThat(gelu[i]).isCloseTo(h[i] * phi[i], within(1e-9));
        }
        assertThat(H.toDoubleVector()).as("input untouched").containsExactly(-2.0, -0.5, 0.0, 1.0, 3.0);
    }

    @Test
    void reluDerivativeIsAStep() {
        assertThat(Activation.RELU.derivative(H, Activation.RELU.apply(H)).toDoubleVector())
                .containsExactly(0, 0, 0, 1, 1);
    }

    @Test
    void parsesNames() {
        assertThat(Activation.parse("ReLU")).isEqualTo(Activation.RELU);
        assertThat(Activation.GELU.id()).isEqualTo("gelu");
    }
}
