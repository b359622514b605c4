package io.hebbscope.trainer.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hebbscope.trainer.TrainingStep;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.model.Mlp;
import io.hebbscope.trainer.rules.Sgd;
import io.hebbscope.trainer.rules.WeightNoise;
import io.hebbscope.trainer.tasks.MseLoss;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One linear 2x2 layer, a batch of 2, numbers worked out by hand:
 * x = [[1, 2], [3, -1]], W = [[0.5, -1], [2, 0.25]], b = [0.1, -0.2], targets t = [[0, 1], [2, 5]].
 * h = x W^T + b = [[-1.4, 2.3], [2.6, 5.55]].
 * H = (1/2) h^T x = [[(-1.4 + 7.8)/2, (-2.8 - 2.6)/2], [(2.3 + 16.65)/2, (4.6 - 5.55)/2]]
 *   = [[3.2, -2.7], [9.475, -0.475]].
 * MSE over all 4 elements: y - t = [[-1.4, 1.3], [0.6, 0.55]], L = (1.96 + 1.69 + 0.36 + 0.3025)/4 = 1.078125,
 * dL/dy = (y - t)/2 = [[-0.7, 0.65], [0.3, 0.275]], dL/dW = (dL/dy)^T x = [[0.2, -1.7], [1.475, 1.025]].
 * SGD lr 0.1, decay 0.5: U = -0.1 (dL/dW + 0.5 W) = -0.1 [[0.45, -2.2], [2.475, 1.15]]
 *   = [[-0.045, 0.22], [-0.2475, -0.115]].
 */
class ProbeHandComputedTest {
    private static final double TOL = 1e-12;

    private static INDArray m(double[][] v) {
        return Nd4j.createFromArray(v).castTo(DataType.DOUBLE);
    }

    private static Mlp layer() {
        return Mlp.of(List.of(m(new double[][] {{0.5, -1}, {2, 0.25}})),
                List.of(Nd4j.createFromArray(0.1, -0.2)), Activation.TANH);
    }

    private static final INDArray X = m(new double[][] {{1, 2}, {3, -1}});
    private static final INDArray T = m(new double[][] {{0, 1}, {2, 5}});

    @Test
    void hebbianGradientAndUpdateMatchHandComputation() {
        Mlp net = layer();
        TrainingStep step = new TrainingStep(net, new MseLoss(), new Sgd(0.5), WeightNoise.none(),
                new Probe(Probe.layersOf(net)));

        TrainingStep.Outcome outcome = step.run(0, 0.1, X, T, true);

        assertThat(outcome.applied()).isTrue();
        assertThat(outcome.loss()).isCloseTo(1.078125, within(TOL));
        LayerTerms terms = outcome.terms().get(0);
        assertThat(terms.layer().name()).isEqualTo("layer0");
        assertThat(terms.layer().rows()).isEqualTo(2);
        assertThat(terms.layer().cols()).isEqualTo(2);
        assertClose(terms.weights(), new double[][] {{0.5, -1}, {2, 0.25}});
        assertClose(terms.hebbian(), new double[][] {{3.2, -2.7}, {9.475, -0.475}});
        // per neuron the batch mean of h_i²: ((-1.4)² + 2.6²) / 2 and (2.3² + 5.55²) / 2
        assertThat(terms.outputSquareMean().toDoubleVector()).containsExactly(new double[] {4.36, 18.04625},
            org.assertj.core.data.Offset.offset(1e-5));
        assertClose(terms.gradient(), new double[][] {{0.2, -1.7}, {1.475, 1.025}});
        assertThat(terms.signal()).as("SGD's signal is -gradient, sent as null").isNull();
        assertClose(terms.update(), new double[][] {{-0.045, 0.22}, {-0.2475, -0.115}});
        // U really is W_{t+1} - W_t, weight decay included.
        assertClose(net.weight(0).sub(terms.weights()), toArray(terms.update()));
        // Biases: plain SGD, no decay: b - 0.1 * dL/db, dL/db = [-0.4, 0.925].
        assertThat(net.bias(0).getDouble(0)).isCloseTo(0.1 + 0.04, within(TOL));
        assertThat(net.bias(0).getDouble(1)).isCloseTo(-0.2 - 0.0925, within(TOL));
    }

    @Test
    void noiseIsInjectedBeforeTheForwardPassAndStaysInTheUpdate() {
        double sigma = 0.3;
        double lr = 0.1;
        double decay = 0.5;
        Mlp net = layer();
        TrainingStep step = new TrainingStep(net, new MseLoss(), new Sgd(decay), new WeightNoise(sigma, 7),
                new Probe(Probe.layersOf(net)));

        LayerTerms terms = step.run(0, lr, X, T, true).terms().get(0);

        // The same generator seed reproduces the noise on a twin net: W_noisy = W_t + sigma eps.
        Mlp twin = layer();
        new WeightNoise(sigma, 7).perturb(twin);
        INDArray wNoisy = twin.weight(0).dup();
        INDArray injected = wNoisy.sub(terms.weights());
        assertThat(injected.norm2Number().doubleValue()).as("noise was injected").isGreaterThan(1e-3);

        // Gradient at the noisy weights, by hand: dL/dW = ((x W_noisy^T + b - t)/2)^T x.
        INDArray h = X.mmul(wNoisy.transpose()).addiRowVector(Nd4j.createFromArray(0.1, -0.2));
        INDArray expectedGrad = h.sub(T).muli(0.5).transpose().mmul(X);
        assertClose(terms.gradient(), toArray(expectedGrad));
        // H uses the h of this step's forward pass, i.e. at the noisy weights.
        assertClose(terms.hebbian(), toArray(h.transpose().mmul(X).muli(0.5)));

        // U = W_{t+1} - W_t = sigma eps - lr (grad + decay W_noisy): it contains the noise.
        INDArray expectedUpdate = injected.sub(expectedGrad.add(wNoisy.mul(decay)).muli(lr));
        assertClose(terms.update(), toArray(expectedUpdate));
        assertClose(net.weight(0).sub(terms.weights()), toArray(expectedUpdate));
    }

    private static double[][] toArray(INDArray a) {
        return a.toDoubleMatrix();
    }

    private static void assertClose(INDArray actual, double[][] expected) {
        double[][] got = actual.toDoubleMatrix();
        assertThat(got.length).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                assertThat(got[i][j]).as("[%d][%d]", i, j).isCloseTo(expected[i][j], within(TOL));
            }
        }
    }
}
