package io.hebbscope.trainer.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.trainer.TrainingStep;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.model.Forward;
import io.hebbscope.trainer.model.Transformer;
import io.hebbscope.trainer.probe.LayerTerms;
import io.hebbscope.trainer.probe.Probe;
import io.hebbscope.trainer.tasks.MseLoss;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** How DFA reaches a transformer's token-wise maps: each example's feedback on each of its T tokens, over T. */
class DfaTransformerTest {

    @Test
    void tokenMapsGetTheBroadcastFeedback() {
        Transformer.Spec spec = new Transformer.Spec(5, 3, 4, 1, 2, 6, List.of(4, 5, 2), Activation.TANH, false, false);
        Transformer net = Transformer.create(spec, 1.0, 21, DataType.DOUBLE);
        Transformer twin = Transformer.create(spec, 1.0, 21, DataType.DOUBLE);
        INDArray x = Nd4j.createFromArray(new double[][] {{0, 1, 4}, {2, 2, 3}});
        INDArray y = Nd4j.createFromArray(new double[][] {{1, -1}, {0.5, 2}});
        Dfa dfa = new Dfa(Regularizers.none(), 4);
        TrainingStep step = new TrainingStep(net, new MseLoss(), dfa, WeightNoise.none(), new Probe(Probe.layersOf(net)));
        List<LayerTerms> terms = step.run(0, 0.1, x, y, true).terms();

        // Reference on the twin (same weights before the step).
        Forward f = twin.forward(x, true);
        INDArray e = new MseLoss().gradient(f.output(), y); // 2 x 2
        for (int l : new int[] {0, 3, 4, 5}) { // q, o, ff1, ff2
            INDArray fb = e.mmul(dfa.feedback().get(l)); // B x out
            INDArray perToken = Nd4j.vstack(fb.getRow(0), fb.getRow(0), fb.getRow(0),
                    fb.getRow(1), fb.getRow(1), fb.getRow(1)).divi(3);
            if (l == 4) {
                perToken.muli(Transforms.step(f.preActivations().get(4)));
            }
            INDArray g = perToken.transpose().mmul(f.inputs().get(l)).negi();
            assertThat(terms.get(l).signal().equalsWithEps(g, 1e-12)).as("map %d", l).isTrue();
        }
        // The head's last map uses its true gradient; embeddings and LayerNorms are not trained by DFA.
        assertThat(terms.get(7).signal().equalsWithEps(terms.get(7).gradient().neg(), 1e-12)).isTrue();
        assertThat(net.embedding().equalsWithEps(twin.embedding(), 0)).isTrue();
        assertThat(terms.get(0).layer().name()).isEqualTo("enc0.q");
    }
}
