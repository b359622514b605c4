package io.hebbscope.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.TrainerCheckpoint;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.publish.CheckpointCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Issue 11, item 4: a trainer restored from a checkpoint (through its records, as {@code train --resume} reads them)
 * makes exactly the steps an uninterrupted trainer makes after that point: the same losses, bit for bit, and the same
 * final weights, for every rule and model, with weight noise and gradient noise drawing from restored random streams.
 */
class ResumeTest {
    /** 96 examples in batches of 32: 3 steps per epoch, 4 epochs. */
    private static TrainerConfig.Builder small(String runId) {
        return TrainerConfig.builder().runId(runId).widths(8, 16, 16, 4).trainSize(96).validationSize(32).batchSize(32)
                .epochs(4).learningRate(0.05).weightDecay(1e-3).noiseSigma(1e-3).gradientNoise(1e-3).seed(11);
    }

    static Stream<Arguments> setups() {
        return Stream.of(
                Arguments.of("sgd", small("sgd").build()),
                Arguments.of("sgd-double", small("sgd-double").dtype(DataType.DOUBLE).build()),
                Arguments.of("adam", small("adam").rule("adam").learningRate(0.01).build()),
                Arguments.of("adamw", small("adamw").rule("adamw").learningRate(0.01).build()),
                Arguments.of("dfa", small("dfa").rule("dfa").build()),
                Arguments.of("randomnn", small("randomnn").rule("randomnn").tauMultiple(1.5).build()),
                Arguments.of("hebb", small("hebb").rule("hebb").learningRate(0.01).build()),
                Arguments.of("oja", small("oja").rule("oja").learningRate(0.01).build()),
                Arguments.of("batch-norm-residual", small("bn").activation(Activation.RELU).batchNorm(true)
                        .residual(true).activationSparsity(1e-3).build()),
                Arguments.of("transformer-adam", small("tf").model("transformer").rule("adam").learningRate(0.01)
                        .vocabSize(5).sequenceLength(4).embedDim(8).heads(2).feedForward(8).encoderLayers(1)
                        .widths(8, 8, 4).build()),
                Arguments.of("until-converged", small("conv").task("linear").widths(8, 1).noiseSigma(0).epochs(6)
                        .untilConverged(true).patience(1).convergenceTolerance(1e-9).build()));
    }

    /** Records losses, validation losses and the checkpoint after the step it is asked for. */
    static final class Recorder implements TrainingListener {
        final long checkpointAt;
        final Map<Long, Double> losses = new java.util.TreeMap<>();
        final Map<Long, Double> validation = new java.util.TreeMap<>();
        Checkpoint checkpoint;
        long firstStep = -1;
        boolean started;

        Recorder(long checkpointAt) {
            this.checkpointAt = checkpointAt;
        }

        @Override public void onRunStart(RunInfo run) { started = true; }

        @Override public void onRunResume(RunInfo run, long first) { firstStep = first; }

        @Override public void onStep(StepRecord step) {
            losses.put(step.step(), step.trainLoss());
            if (step.validationLoss() != null) {
                validation.put(step.step(), step.validationLoss());
            }
        }

        @Override public boolean wantsCheckpoint(long step) { return step == checkpointAt; }

        @Override public void onCheckpoint(Checkpoint c) { checkpoint = c; }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("setups")
    void aResumedTrainerMakesExactlyTheStepsOfAnUninterruptedOne(String name, TrainerConfig config) {
        long at = 4; // mid-epoch: step 4 is batch 1 of epoch 1, so batch 2 of epoch 1 comes next
        Recorder whole = new Recorder(at);
        Trainer uninterrupted = new Trainer(config);
        RunSummary expected = uninterrupted.run(whole);
        assertThat(whole.checkpoint).isNotNull();
        assertThat(whole.checkpoint.step()).isEqualTo(at);
        assertThat(whole.checkpoint.nextEpoch()).isEqualTo(1);
        assertThat(whole.checkpoint.nextBatch()).isEqualTo(2);

        // Through the records, in parts of at most 32 bytes of tensors: slices of whole rows over many parts.
        List<TrainerCheckpoint> parts = CheckpointCodec.encode(whole.checkpoint, 1L, 32);
        assertThat(parts.size()).isGreaterThan(1);
        List<TrainerCheckpoint> decodedParts = parts.stream()
                .map(p -> EventCodec.get().decode(EventCodec.get().encode(p), TrainerCheckpoint.class)).toList();
        Checkpoint restored = CheckpointCodec.decode(decodedParts);

        Recorder rest = new Recorder(-1);
        Trainer resumed = new Trainer(config).resumeFrom(restored);
        RunSummary summary = resumed.run(rest);

        assertThat(rest.started).isFalse();
        assertThat(rest.firstStep).isEqualTo(at + 1);
        assertThat(rest.losses.keySet()).first().isEqualTo(at + 1);
        assertThat(rest.losses).isEqualTo(whole.losses.entrySet().stream().filter(e -> e.getKey() > at)
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a,
                        java.util.TreeMap::new)));
        assertThat(rest.validation).isEqualTo(whole.validation.entrySet().stream().filter(e -> e.getKey() > at)
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a,
                        java.util.TreeMap::new)));
        assertThat(summary).isEqualTo(expected);
        assertThat(resumed.converged()).isEqualTo(uninterrupted.converged());
        assertIdentical(resumed.weights(), uninterrupted.weights(), "weights");
        assertIdentical(resumed.biases(), uninterrupted.biases(), "biases");
        assertIdentical(resumed.model().extras(), uninterrupted.model().extras(), "extras");
        assertIdentical(resumed.model().buffers(), uninterrupted.model().buffers(), "buffers");
    }

    private static void assertIdentical(List<INDArray> actual, List<INDArray> expected, String what) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.size(); i++) {
            assertThat(actual.get(i).equals(expected.get(i))).as("%s %d identical", what, i).isTrue();
            assertThat(actual.get(i).sub(expected.get(i)).amaxNumber().doubleValue()).as("%s %d", what, i).isZero();
        }
    }

    @Test
    void aCheckpointHoldsTheStateAResumeNeeds() {
        Recorder r = new Recorder(2);
        Trainer t = new Trainer(small("content").rule("adam").batchNorm(true).build());
        t.run(r);
        Checkpoint c = r.checkpoint;
        assertThat(c.parameters()).containsKeys("layer0.weight", "layer0.bias", "layer2.weight", "extra.0", "extra.3",
                "buffer.0", "buffer.3");
        assertThat(c.optimizer()).containsKeys("adam.m.0", "adam.v.0", "adam.mLoss.2");
        assertThat(c.scalars()).containsEntry("adam.t", 3.0).containsKey("trainer.lastTrainLoss");
        assertThat(c.rngStates()).containsKeys("weight-noise", "gradient-noise");
        // the checkpoint's arrays are copies: training on (steps 3..11) did not change them
        assertThat(c.parameter("layer0.weight").equals(t.model().weight(0))).isFalse();
        assertThat(c.parameter("layer0.weight").shape()).isEqualTo(t.model().weight(0).shape());
    }

    @Test
    void encodingRoundTripsEveryArrayBitForBitAndRejectsAnIncompleteCheckpoint() {
        Recorder r = new Recorder(0);
        new Trainer(small("codec").rule("adam").dtype(DataType.DOUBLE).build()).run(r);
        Checkpoint c = r.checkpoint;
        for (int budget : new int[] {64, 1000, 1 << 22}) {
            List<TrainerCheckpoint> parts = CheckpointCodec.encode(c, 5L, budget);
            Checkpoint back = CheckpointCodec.decode(parts);
            assertThat(back.step()).isEqualTo(c.step());
            assertThat(back.nextEpoch()).isEqualTo(c.nextEpoch());
            assertThat(back.nextBatch()).isEqualTo(c.nextBatch());
            assertThat(back.scalars()).isEqualTo(c.scalars());
            assertThat(back.rngStates()).isEqualTo(c.rngStates());
            assertThat(back.parameters().keySet()).containsExactlyElementsOf(c.parameters().keySet());
            assertThat(back.optimizer().keySet()).containsExactlyElementsOf(c.optimizer().keySet());
            c.parameters().forEach((k, v) -> {
                assertThat(back.parameter(k).dataType()).isEqualTo(DataType.DOUBLE);
                assertThat(back.parameter(k).equals(v)).as(k).isTrue();
            });
            c.optimizer().forEach((k, v) -> assertThat(back.optimizerArray(k).equals(v)).as(k).isTrue());
            if (budget == 1 << 22) {
                assertThat(parts).hasSize(1);
            } else {
                assertThat(parts.size()).isGreaterThan(3);
                List<TrainerCheckpoint> missing = new ArrayList<>(parts);
                missing.remove(1);
                assertThatThrownBy(() -> CheckpointCodec.decode(missing)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("of its " + parts.size() + " parts");
            }
        }
    }

    @Test
    void aCheckpointOfAnotherRunOrModelIsRefused() {
        Recorder r = new Recorder(1);
        new Trainer(small("one").build()).run(r);
        assertThatThrownBy(() -> new Trainer(small("two").build()).resumeFrom(r.checkpoint))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is of run one, not two");
        assertThatThrownBy(() -> new Trainer(small("one").widths(8, 12, 16, 4).build()).resumeFrom(r.checkpoint))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not rebuild the same model");
    }

    @Test
    void theConfigRoundTripsThroughTheRunStartedMap() {
        for (Arguments a : setups().toList()) {
            TrainerConfig c = (TrainerConfig) a.get()[1];
            assertThat(TrainerConfig.fromMap(c.toMap())).isEqualTo(c);
        }
        TrainerConfig absolute = small("abs").rule("randomnn").tauAbsolute(5).dataDir(java.nio.file.Path.of("/d")).build();
        assertThat(TrainerConfig.fromMap(absolute.toMap())).isEqualTo(absolute);
        Map<String, String> broken = new java.util.HashMap<>(small("b").build().toMap());
        broken.remove("learningRate");
        assertThatThrownBy(() -> TrainerConfig.fromMap(broken)).hasMessageContaining("no 'learningRate'");
        broken.put("learningRate", "fast");
        assertThatThrownBy(() -> TrainerConfig.fromMap(broken)).hasMessageContaining("learningRate = 'fast'");
    }
}
