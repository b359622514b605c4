package io.hebbscope.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.trainer.tasks.CrossEntropyLoss;
import io.hebbscope.trainer.tasks.MseLoss;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** MLP backprop (plain, residual, batch norm, sparsity penalty) against central finite differences, in double. */
class MlpGradientTest {
    private static final INDArray X = GradientCheck.gaussian(7, 3, 1);
    private static final INDArray Y = GradientCheck.gaussian(7, 2, 2);

    @ParameterizedTest
    @EnumSource(Activation.class)
    void plainMlpGradientsMatchFiniteDifferences(Activation activation) {
        Mlp net = Mlp.create(List.of(3, 4, 5, 2), activation, 1.0, 42, DataType.DOUBLE);
        assertThat(GradientCheck.check(net, X, Y, new MseLoss(), 0, f -> 0, activation.id())).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"TANH,true,false", "RELU,false,true", "GELU,true,true", "SIGMOID,true,true", "LINEAR,true,true"})
    void residualAndBatchNormGradientsMatchFiniteDifferences(Activation activation, boolean residual, boolean bn) {
        // 3 -> 4 -> 4 -> 4 -> 2: two blocks of equal widths get skip connections.
        Mlp net = Mlp.create(List.of(3, 4, 4, 4, 2), activation, residual, bn, 1.0, 43, DataType.DOUBLE, "", 0);
        // Non-trivial batch-norm gains and shifts.
        for (INDArray p : net.extras()) {
            p.addi(GradientCheck.gaussian(1, (int) p.length(), p.length() + 5).reshape(p.length()).muli(0.3));
        }
        assertThat(net.extras()).hasSize(bn ? 6 : 0);
        List<String> zero = GradientCheck.check(net, X, Y, new MseLoss(), 0, f -> 0,
                activation + " residual=" + residual + " bn=" + bn);
        // A bias right before batch norm cancels out: its gradient is exactly zero.
        assertThat(zero).isEqualTo(bn ? List.of("b layer0", "b layer1", "b layer2") : List.of());
    }

    @Test
    void activationSparsityPenaltyGradientMatchesFiniteDifferences() {
        Mlp net = Mlp.create(List.of(3, 4, 4, 2), Activation.TANH, true, false, 1.0, 44, DataType.DOUBLE, "", 0);
        // Hidden activations f: a_1 = f_0 (3 -> 4, no skip), a_2 = f_1 + a_1 (4 -> 4, skip).
        assertThat(GradientCheck.check(net, X, Y, new MseLoss(), 0.7,
                f -> GradientCheck.meanAbs(f.inputs().get(1))
                        + GradientCheck.meanAbs(f.inputs().get(2).sub(f.inputs().get(1))), "sparsity")).isEmpty();
    }

    @Test
    void crossEntropyGradientMatchesFiniteDifferences() {
        Mlp net = Mlp.create(List.of(3, 5, 4), Activation.RELU, 1.0, 45, DataType.DOUBLE);
        INDArray oneHot = Nd4j.zeros(DataType.DOUBLE, 7, 4);
        for (int i = 0; i < 7; i++) {
            oneHot.putScalar(i, i % 4, 1.0);
        }
        assertThat(GradientCheck.check(net, X, oneHot, new CrossEntropyLoss(), 0, f -> 0, "cross-entropy")).isEmpty();
    }

    @Test
    void batchNormUsesRunningStatisticsInEvaluation() {
        Mlp net = Mlp.create(List.of(3, 4, 2), Activation.TANH, false, true, 1.0, 46, DataType.DOUBLE, "", 0);
        INDArray before = net.predict(X);
        // Fresh running stats (mean 0, var 1): evaluation is the plain net up to 1/sqrt(1 + eps).
        Mlp plain = Mlp.of(net.weights(), net.biases(), Activation.TANH);
        INDArray h = X.mmul(net.weight(0).transpose()).addiRowVector(net.bias(0)).divi(Math.sqrt(1 + 1e-5));
        INDArray expected = org.nd4j.linalg.ops.transforms.Transforms.tanh(h).mmul(net.weight(1).transpose())
                .addiRowVector(net.bias(1));
        assertThat(before.equalsWithEps(expected, 1e-12)).isTrue();
        assertThat(plain.predict(X).equalsWithEps(before, 1e-4)).isTrue();
        net.forward(X, true);
        // After one training forward: running = 0.9 * initial + 0.1 * batch statistics (unbiased variance).
        INDArray hb = X.mmul(net.weight(0).transpose()).addiRowVector(net.bias(0));
        assertThat(net.runningMeans().get(0).equalsWithEps(hb.mean(0).muli(0.1), 1e-12)).isTrue();
        assertThat(net.runningVars().get(0).equalsWithEps(hb.var(true, 0).muli(0.1).addi(0.9), 1e-12)).isTrue();
    }

    @Test
    void layerNamesCarryThePrefixAndIndex() {
        Mlp net = Mlp.create(List.of(3, 4, 2), Activation.TANH, false, false, 1.0, 1, DataType.FLOAT, "head.", 12);
        assertThat(net.layers()).extracting(io.hebbscope.trainer.LayerInfo::name).containsExactly("head.layer0", "head.layer1");
        assertThat(net.layers()).extracting(io.hebbscope.trainer.LayerInfo::index).containsExactly(12, 13);
    }
}
