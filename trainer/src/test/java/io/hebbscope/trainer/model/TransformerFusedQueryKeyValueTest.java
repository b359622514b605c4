package io.hebbscope.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.trainer.probe.Probe;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The transformer computes q, k and v as one product with the stacked weights [W_q; W_k; W_v]; the monitored
 * maps enc<e>.q, .k, .v must still be exactly the separate linear maps a W^T + b, and the probe's terms on them
 * the same, within float rounding.
 */
class TransformerFusedQueryKeyValueTest {
    private static final String[] NAMES = {"q", "k", "v"};

    @Test
    void fusedProductGivesTheSeparateMapsPreActivationsAndHebbianTerms() {
        Transformer net = Transformer.create(Transformer.Spec.paper(), 1.0, 5, DataType.FLOAT);
        INDArray x = TransformerGradientTest.tokens(8, 32, 16, 6).castTo(DataType.FLOAT);
        Forward f = net.forward(x);
        for (int e = 0; e < 2; e++) {
            for (int m = 0; m < 3; m++) {
                int l = 6 * e + m;
                String what = "enc" + e + "." + NAMES[m];
                assertThat(net.layers().get(l).name()).isEqualTo(what);
                INDArray a = f.inputs().get(l);
                INDArray h = f.preActivations().get(l);
                INDArray separate = a.mmul(net.weight(l).transpose()).addiRowVector(net.bias(l));
                assertThat(h.shape()).as(what).containsExactly(8 * 32, 32);
                assertThat(maxAbsDiff(h, separate)).as(what + " pre-activation").isLessThan(1e-5);
                INDArray hebbian = Probe.hebbian(h, a);
                INDArray separateHebbian = separate.transpose().mmul(a).divi(a.size(0));
                assertThat(hebbian.shape()).as(what).containsExactly(32, 32);
                assertThat(maxAbsDiff(hebbian, separateHebbian)).as(what + " Hebbian term").isLessThan(1e-5);
                assertThat(maxAbsDiff(h.mul(h).mean(0), separate.mul(separate).mean(0)))
                        .as(what + " output square mean").isLessThan(1e-5);
            }
        }
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }
}
