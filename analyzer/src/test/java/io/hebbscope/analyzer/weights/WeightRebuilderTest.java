package io.hebbscope.analyzer.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.TensorCodec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class WeightRebuilderTest {
    private static final float[] ZERO = new float[4];

    /** A 2x2 layer in two blocks of one row each. */
    private static List<LayerStep> step(long step, float[] update, float[] weights) {
        List<LayerStep> out = new ArrayList<>();
        for (int b = 0; b < 2; b++) {
            out.add(LayerStep.newBuilder().setRunId("r").setLayer("l").setLayerIndex(0).setStep(step)
                .setPreviousStep(step - 1).setEpoch(0).setBlockIndex(b).setBlockCount(2).setRowOffset(b)
                .setLayerRows(2).setLayerCols(2)
                .setGradient(TensorCodec.encode(ZERO, 2 * b, 1, 2, io.hebbscope.schema.DType.FLOAT32))
                .setHebbian(TensorCodec.encode(ZERO, 2 * b, 1, 2, io.hebbscope.schema.DType.FLOAT32))
                .setUpdate(TensorCodec.encode(update, 2 * b, 1, 2, io.hebbscope.schema.DType.FLOAT32))
                .setWeights(weights == null ? null : TensorCodec.encode(weights, 2 * b, 1, 2, io.hebbscope.schema.DType.FLOAT32))
                .setTimestampMs(0).build());
        }
        return out;
    }

    @Test
    void snapshotPlusUpdatesInAnyOrder() {
        List<LayerStep> log = new ArrayList<>();
        log.addAll(step(0, new float[] {1, 0, 0, 0}, new float[] {1, 2, 3, 4}));
        log.addAll(step(1, new float[] {0, 1, 0, 0}, null));
        log.addAll(step(2, new float[] {0, 0, 1, -1}, new float[] {2, 3, 3, 4}));
        log.addAll(step(3, new float[] {0.5f, 0, 0, 0}, null));
        log.add(log.get(0)); // duplicate
        Collections.shuffle(log, new java.util.Random(1));
        WeightRebuilder r = new WeightRebuilder("r", "l");
        log.forEach(r::add);
        assertThat(r.weightsAt(0)).containsExactly(1, 2, 3, 4);
        assertThat(r.weightsAt(1)).containsExactly(2, 2, 3, 4);
        // from the snapshot at 2 (which agrees with 0 + updates)
        assertThat(r.weightsAt(2)).containsExactly(2, 3, 3, 4);
        assertThat(r.weightsAt(4)).containsExactly(2.5, 3, 4, 3);
    }

    @Test
    void missingUpdatesAreAClearError() {
        WeightRebuilder r = new WeightRebuilder("r", "l");
        step(0, ZERO, new float[] {1, 2, 3, 4}).forEach(r::add);
        step(2, ZERO, null).forEach(r::add);
        assertThatThrownBy(() -> r.weightsAt(3)).hasMessageContaining("first: 1");
        WeightRebuilder none = new WeightRebuilder("r", "l");
        step(1, ZERO, null).forEach(none::add);
        assertThatThrownBy(() -> none.weightsAt(1)).hasMessageContaining("no weight snapshot");
    }
}
