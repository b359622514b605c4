package io.hebbscope.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.trainer.LayerInfo;
import io.hebbscope.trainer.tasks.MseLoss;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The transformer's manual backprop against central finite differences on a tiny config, in double. */
class TransformerGradientTest {
    /** V 5, T 3, D 4, 2 layers, 2 heads, F 6, head 4-5-3. */
    static Transformer.Spec tiny(Activation headActivation, boolean bn) {
        return new Transformer.Spec(5, 3, 4, 2, 2, 6, List.of(4, 5, 3), headActivation, false, bn);
    }

    static INDArray tokens(int batch, int seqLen, int vocab, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        double[] v = new double[batch * seqLen];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt(vocab);
        }
        return Nd4j.create(v, new long[] {batch, seqLen}, DataType.DOUBLE);
    }

    @Test
    void gradientsOfEveryParameterMatchFiniteDifferences() {
        Transformer net = Transformer.create(tiny(Activation.TANH, false), 1.0, 7, DataType.DOUBLE);
        // Non-trivial LayerNorm gains and shifts.
        for (int i = 1; i < net.extras().size(); i++) {
            INDArray p = net.extras().get(i);
            p.addi(GradientCheck.gaussian(1, (int) p.length(), 100 + i).reshape(p.length()).muli(0.3));
        }
        INDArray x = tokens(4, 3, 5, 8);
        INDArray y = GradientCheck.gaussian(4, 3, 9);
        // The key bias shifts every score of a query equally, which softmax cancels: its gradient is exactly zero.
        assertThat(GradientCheck.check(net, x, y, new MseLoss(), 0, f -> 0, "transformer"))
                .containsExactly("b enc0.k", "b enc1.k");
    }

    @Test
    void sparsityPenaltyAndBatchNormHeadMatchFiniteDifferences() {
        Transformer net = Transformer.create(new Transformer.Spec(5, 3, 4, 1, 2, 6, List.of(4, 5, 3), Activation.RELU,
                false, true), 1.0, 11, DataType.DOUBLE);
        INDArray x = tokens(4, 3, 5, 12);
        INDArray y = GradientCheck.gaussian(4, 3, 13);
        // Hidden activations: the encoder's ReLU output (the input of ff2) and the head's hidden output.
        assertThat(GradientCheck.check(net, x, y, new MseLoss(), 0.5,
                f -> GradientCheck.meanAbs(f.inputs().get(5)) + GradientCheck.meanAbs(f.inputs().get(7)),
                "transformer sparsity"))
                // Batch norm in the head cancels the head's first bias and the last LayerNorm's shift.
                .containsExactly("b enc0.k", "b head.layer0", "extra 4");
    }

    @Test
    void monitoredMapsAreNamedAndFlattenTokens() {
        Transformer net = Transformer.create(Transformer.Spec.paper(), 1.0, 1, DataType.FLOAT);
        assertThat(net.layers()).extracting(LayerInfo::name).containsExactly(
                "enc0.q", "enc0.k", "enc0.v", "enc0.o", "enc0.ff1", "enc0.ff2",
                "enc1.q", "enc1.k", "enc1.v", "enc1.o", "enc1.ff1", "enc1.ff2",
                "head.layer0", "head.layer1", "head.layer2");
        assertThat(net.layers()).extracting(LayerInfo::index).containsExactly(
                0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
        assertThat(net.layers().get(4).rows()).isEqualTo(32);
        assertThat(net.layers().get(12).cols()).isEqualTo(32);
        assertThat(net.layers().get(13).rows()).isEqualTo(128);
        Forward f = net.forward(tokens(6, 32, 16, 2).castTo(DataType.FLOAT));
        assertThat(f.output().shape()).containsExactly(6, 32);
        assertThat(f.batchSize()).isEqualTo(6);
        assertThat(f.inputs().get(0).shape()).containsExactly(6 * 32, 32);
        assertThat(f.preActivations().get(4).shape()).containsExactly(6 * 32, 32);
        assertThat(f.inputs().get(12).shape()).containsExactly(6, 32);
        assertThat(net.extras()).hasSize(1 + 2 * 4);
    }

    @Test
    void permutingTokensLeavesTheOutputUnchanged() {
        // No positional encoding and mean pooling: the model is permutation invariant over tokens.
        Transformer net = Transformer.create(tiny(Activation.TANH, false), 1.0, 3, DataType.DOUBLE);
        INDArray x = Nd4j.createFromArray(new double[][] {{0, 1, 4}, {2, 2, 3}});
        INDArray permuted = Nd4j.createFromArray(new double[][] {{4, 0, 1}, {3, 2, 2}});
        assertThat(net.predict(x).equalsWithEps(net.predict(permuted), 1e-12)).isTrue();
    }
}
