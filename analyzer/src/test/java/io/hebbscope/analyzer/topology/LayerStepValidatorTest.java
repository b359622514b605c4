package io.hebbscope.analyzer.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.TensorCodec;
import org.junit.jupiter.api.Test;

/**
 * The validator finds non-finite values through the row sums instead of a pass per tensor; a record with several
 * faults must still be rejected for the first in the checks' order (gradient, signal, hebbian, update, weights).
 */
class LayerStepValidatorTest {
    private final LayerStep good = new LayerStepFixture("run-v", "layer0", 4, 3, 1, false, new long[] {0}, 5)
        .blocksOf(0).get(0);

    @Test
    void aNonFiniteValueIsNamedByTensorRowAndColumn() {
        for (String tensor : new String[] {"gradient", "signal", "hebbian", "update"}) {
            float[] v = new float[12];
            v[7] = Float.NEGATIVE_INFINITY;
            assertThatThrownBy(() -> LayerStepValidator.reduce(with(good, tensor, v), new DecodeBuffers()))
                .isInstanceOfSatisfying(InvalidRecordException.class, e -> assertThat(e.category()).isEqualTo("non_finite"))
                .hasMessage(tensor + " has a non-finite value -Infinity at row 2, column 1");
        }
        LayerStep badNorm = LayerStep.newBuilder(good).setWeightNorm(Double.NaN).build();
        assertThatThrownBy(() -> LayerStepValidator.reduce(badNorm, new DecodeBuffers()))
            .isInstanceOfSatisfying(InvalidRecordException.class, e -> assertThat(e.category()).isEqualTo("non_finite"))
            .hasMessage("weight norm is NaN");
    }

    @Test
    void ofSeveralFaultsTheFirstInTheChecksOrderIsReported() {
        float[] nan = new float[12];
        nan[11] = Float.NaN;
        LayerStep gradientNanHebbianShape = LayerStep.newBuilder(with(good, "gradient", nan))
            .setHebbian(TensorCodec.encode(new float[6], 2, 3)).build();
        assertThatThrownBy(() -> LayerStepValidator.reduce(gradientNanHebbianShape, new DecodeBuffers()))
            .hasMessage("gradient has a non-finite value NaN at row 3, column 2");
        LayerStep updateNanWeightsNan = LayerStep.newBuilder(with(good, "update", nan))
            .setWeights(TensorCodec.encode(nan, 4, 3)).build();
        assertThatThrownBy(() -> LayerStepValidator.reduce(updateNanWeightsNan, new DecodeBuffers()))
            .hasMessage("update has a non-finite value NaN at row 3, column 2");
        LayerStep weightsNanOnly = LayerStep.newBuilder(good).setWeights(TensorCodec.encode(nan, 4, 3)).build();
        assertThatThrownBy(() -> LayerStepValidator.reduce(weightsNanOnly, new DecodeBuffers()))
            .hasMessage("weights has a non-finite value NaN at row 3, column 2");
        LayerStep hebbianShapeUpdateNan = LayerStep.newBuilder(with(good, "update", nan))
            .setHebbian(TensorCodec.encode(new float[6], 2, 3)).build();
        assertThatThrownBy(() -> LayerStepValidator.reduce(hebbianShapeUpdateNan, new DecodeBuffers()))
            .isInstanceOfSatisfying(InvalidRecordException.class, e -> assertThat(e.category()).isEqualTo("shape"))
            .hasMessage("hebbian is 2x3, expected 4x3");
    }

    @Test
    void aGoodRecordReducesAsBefore() {
        assertThat(LayerStepValidator.reduce(good, new DecodeBuffers()).getSums().getRows()).isEqualTo(4);
    }

    private static LayerStep with(LayerStep s, String tensor, float[] values) {
        var b = LayerStep.newBuilder(s);
        var t = TensorCodec.encode(values, 4, 3);
        switch (tensor) {
            case "gradient" -> b.setGradient(t);
            case "signal" -> b.setSignal(t);
            case "hebbian" -> b.setHebbian(t);
            case "update" -> b.setUpdate(t);
            default -> throw new IllegalArgumentException(tensor);
        }
        return b.build();
    }
}
