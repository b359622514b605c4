package io.hebbscope.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.trainer.model.Activation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class TrainerTest {

    /** A reduced SRE run: 1,024 examples, batch 128, so 8 steps per epoch. */
    private static TrainerConfig.Builder small() {
        return TrainerConfig.builder().runId("test").trainSize(1024).validationSize(256).batchSize(128)
                .epochs(2).learningRate(0.05).weightDecay(1e-3).noiseSigma(1e-3).seed(3);
    }

    /** Records what it is given; wants terms on the steps in {@code termSteps}. */
    static final class Recorder implements TrainingListener {
        final List<Long> termSteps;
        RunInfo info;
        RunSummary summary;
        final List<StepRecord> steps = new ArrayList<>();
        final List<Integer> termCounts = new ArrayList<>();

        Recorder(List<Long> termSteps) {
            this.termSteps = termSteps;
        }

        @Override public void onRunStart(RunInfo run) { info = run; }

        @Override public boolean wantsTerms(long step) { return termSteps.contains(step); }

        @Override public void onStep(StepRecord step) {
            steps.add(new StepRecord(step.step(), step.epoch(), step.trainLoss(), step.validationLoss(),
                    step.learningRate(), step.weightNorms().clone(), List.of()));
            termCounts.add(step.layers().size());
        }

        @Override public void onRunEnd(RunSummary s) { summary = s; }

        List<Double> losses() {
            return steps.stream().map(StepRecord::trainLoss).toList();
        }
    }

    @Test
    void untilConvergedStopsAtThePlateauWithinTheEpochLimit() {
        // Linear regression without noise converges fast; a huge tolerance stops it after two windows of 2.
        TrainerConfig loose = small().task("linear").widths(8, 1).noiseSigma(0).weightDecay(0).epochs(40)
                .untilConverged(true).patience(2).convergenceTolerance(10).build();
        Recorder r = new Recorder(List.of());
        Trainer t = new Trainer(loose);
        RunSummary s = t.run(r);
        assertThat(t.converged()).isTrue();
        assertThat(s.status()).isEqualTo("completed");
        assertThat(s.steps()).isEqualTo(4 * 8);
        assertThat(t.runInfo().totalSteps()).isEqualTo(40 * 8);
        assertThat(t.runInfo().config()).containsEntry("untilConverged", "true").containsEntry("patience", "2");
        // A tolerance nothing meets runs to the limit and is not converged.
        Trainer strict = new Trainer(loose.toBuilder().convergenceTolerance(1e-12).noiseSigma(0.1).epochs(5).build());
        RunSummary limit = strict.run(new Recorder(List.of()));
        assertThat(strict.converged()).isFalse();
        assertThat(limit.steps()).isEqualTo(5 * 8);
        // A fixed-epoch run is never "converged".
        Trainer fixed = new Trainer(small().build());
        fixed.run();
        assertThat(fixed.converged()).isFalse();
        assertThat(fixed.config().toMap()).doesNotContainKey("untilConverged");
    }

    @Test
    void baselinesAreTheLossesOfPredictingTheMeanAndZero() {
        Trainer t = new Trainer(small().task("linear").widths(8, 1).noiseSigma(0).build());
        Trainer.Baselines b = t.baselines();
        double[] train = t.task().trainTargets().toDoubleVector();
        double[] valid = t.task().validationTargets().toDoubleVector();
        double mean = java.util.Arrays.stream(train).average().orElseThrow();
        double byMean = java.util.Arrays.stream(valid).map(v -> (v - mean) * (v - mean)).average().orElseThrow();
        double byZero = java.util.Arrays.stream(valid).map(v -> v * v).average().orElseThrow();
        assertThat(b.mean()).isCloseTo(byMean, org.assertj.core.api.Assertions.within(1e-4 * byMean));
        assertThat(b.zero()).isCloseTo(byZero, org.assertj.core.api.Assertions.within(1e-4 * byZero));
        assertThat(b.best()).isEqualTo(Math.min(b.mean(), b.zero()));
        // A trained student does much better than either.
        RunSummary s = t.run();
        assertThat(s.finalValidationLoss()).isLessThan(0.5 * b.best());
    }

    @Test
    void sameSeedReproducesLossesAndWeightsExactly() {
        Recorder r1 = new Recorder(List.of(3L));
        Trainer t1 = new Trainer(small().build());
        t1.run(r1);
        Recorder r2 = new Recorder(List.of());
        Trainer t2 = new Trainer(small().build());
        t2.run(r2);

        assertThat(r1.losses()).isEqualTo(r2.losses()); // the probe does not change training either
        List<INDArray> w1 = t1.weights();
        List<INDArray> w2 = t2.weights();
        for (int l = 0; l < w1.size(); l++) {
            assertThat(w1.get(l).equals(w2.get(l))).as("layer %d weights identical", l).isTrue();
            assertThat(w1.get(l).sub(w2.get(l)).amaxNumber().doubleValue()).isZero();
        }
    }

    @Test
    void differentSeedsDiffer() {
        Recorder r1 = new Recorder(List.of());
        Trainer t1 = new Trainer(small().seed(1).build());
        t1.run(r1);
        Recorder r2 = new Recorder(List.of());
        Trainer t2 = new Trainer(small().seed(2).build());
        t2.run(r2);
        assertThat(r1.losses()).isNotEqualTo(r2.losses());
        assertThat(t1.weights().get(1).equals(t2.weights().get(1))).isFalse();
    }

    @Test
    void sreLossDecreasesOverEpochs() {
        Recorder r = new Recorder(List.of());
        RunSummary summary = new Trainer(small().epochs(4).learningRate(0.2).noiseSigma(0).weightDecay(0)
                .build()).run(r);
        List<Double> validation = r.steps.stream().map(StepRecord::validationLoss)
                .filter(java.util.Objects::nonNull).toList();

        assertThat(summary.status()).isEqualTo("completed");
        assertThat(validation).hasSize(4);
        assertThat(validation.get(3)).isLessThan(0.8 * validation.get(0));
        double firstEpoch = r.losses().subList(0, 8).stream().mapToDouble(d -> d).average().orElseThrow();
        double lastEpoch = r.losses().subList(24, 32).stream().mapToDouble(d -> d).average().orElseThrow();
        assertThat(lastEpoch).isLessThan(firstEpoch);
    }

    @Test
    void reportsStepsEpochsValidationAndRunInfo() {
        Recorder r = new Recorder(List.of(0L, 9L));
        RunSummary summary = new Trainer(small().activation(Activation.RELU).build()).run(r);

        assertThat(r.info.runId()).isEqualTo("test");
        assertThat(r.info.task()).isEqualTo("sre");
        assertThat(r.info.rule()).isEqualTo("sgd");
        assertThat(r.info.stepsPerEpoch()).isEqualTo(8);
        assertThat(r.info.totalSteps()).isEqualTo(16);
        assertThat(r.info.layers()).extracting(LayerInfo::name).containsExactly("layer0", "layer1", "layer2");
        assertThat(r.info.layers()).extracting(LayerInfo::rows).containsExactly(128, 128, 32);
        assertThat(r.info.layers()).extracting(LayerInfo::cols).containsExactly(32, 128, 128);
        assertThat(r.info.config()).containsEntry("activation", "relu").containsEntry("widths", "32-128-128-32")
                .containsEntry("weightDecay", "0.001").containsEntry("batchSize", "128").containsKey("taskSeed");

        assertThat(r.steps).extracting(StepRecord::step).containsExactly(
                0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L);
        assertThat(r.steps).extracting(StepRecord::epoch).containsOnly(0, 1);
        assertThat(r.steps.get(7).validationLoss()).isNotNull();
        assertThat(r.steps.get(15).validationLoss()).isNotNull();
        assertThat(r.steps.stream().filter(s -> s.validationLoss() != null).count()).isEqualTo(2);
        assertThat(r.steps.get(0).weightNorms()).hasSize(3);
        assertThat(java.util.Arrays.stream(r.steps.get(0).weightNorms()).min().orElseThrow()).isPositive();
        assertThat(r.steps.get(0).learningRate()).isEqualTo(0.05);
        assertThat(r.termCounts.get(0)).isEqualTo(3);
        assertThat(r.termCounts.get(9)).isEqualTo(3);
        assertThat(r.termCounts.stream().mapToInt(i -> i).sum()).isEqualTo(6);

        assertThat(summary).isEqualTo(r.summary);
        assertThat(summary.status()).isEqualTo("completed");
        assertThat(summary.steps()).isEqualTo(16);
        assertThat(summary.finalTrainLoss()).isEqualTo(r.steps.get(15).trainLoss());
        assertThat(summary.finalValidationLoss()).isEqualTo(r.steps.get(15).validationLoss());
    }

    @Test
    void doublePrecisionRunsAndMatchesFloatClosely() {
        Trainer f = new Trainer(small().epochs(1).build());
        Trainer d = new Trainer(small().epochs(1).dtype(org.nd4j.linalg.api.buffer.DataType.DOUBLE).build());
        RunSummary sf = f.run();
        RunSummary sd = d.run();
        assertThat(d.weights().get(0).dataType()).isEqualTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        assertThat(sd.status()).isEqualTo("completed");
        assertThat(sd.finalTrainLoss()).isCloseTo(sf.finalTrainLoss(),
                org.assertj.core.api.Assertions.within(1e-3 * sf.finalTrainLoss()));
    }

    @Test
    void batchesArePulledRowsOfTheTrainingSet() {
        Trainer t = new Trainer(small().epochs(1).build());
        INDArray x = t.task().trainInputs();
        INDArray pulled = org.nd4j.linalg.factory.Nd4j.pullRows(x, 1, 5, 0, 1023);
        assertThat(pulled.getRow(0)).isEqualTo(x.getRow(5));
        assertThat(pulled.getRow(1)).isEqualTo(x.getRow(0));
        assertThat(pulled.getRow(2)).isEqualTo(x.getRow(1023));
    }

    @Test
    void probeIsSkippedWhenNoListenerWantsTerms() {
        Recorder r = new Recorder(List.of());
        new Trainer(small().epochs(1).build()).run(r, step -> { });
        assertThat(r.termCounts).hasSize(8).containsOnly(0);
    }

    @Test
    void termsOfOneStepAreConsistent() {
        List<double[]> checks = new ArrayList<>();
        TrainingListener checker = new TrainingListener() {
            @Override public boolean wantsTerms(long step) { return step == 5; }

            @Override public void onStep(StepRecord step) {
                if (step.step() != 5) {
                    return;
                }
                for (var t : step.layers()) {
                    assertThat(t.weights().shape()).containsExactly(t.layer().rows(), t.layer().cols());
                    assertThat(t.hebbian().shape()).isEqualTo(t.weights().shape());
                    assertThat(t.gradient().shape()).isEqualTo(t.weights().shape());
                    assertThat(t.update().shape()).isEqualTo(t.weights().shape());
                    assertThat(t.signal()).isNull();
                    checks.add(new double[] {t.update().norm2Number().doubleValue()});
                }
            }
        };
        new Trainer(small().epochs(1).build()).run(checker);
        assertThat(checks).hasSize(3).allSatisfy(c -> assertThat(c[0]).isPositive());
    }

    @Test
    void divergenceStopsTheRun() {
        Recorder r = new Recorder(List.of());
        RunSummary summary = new Trainer(small().epochs(50).learningRate(1e6).noiseSigma(0).build()).run(r);
        assertThat(summary.status()).isEqualTo("diverged");
        assertThat(summary.steps()).isEqualTo(r.steps.size()).isLessThan(400);
        assertThat(Double.isFinite(summary.finalTrainLoss())).isFalse();
        assertThat(r.summary).isEqualTo(summary);
    }

    @Test
    void interruptStopsTheRun() {
        Recorder r = new Recorder(List.of());
        TrainingListener interrupter = step -> {
            if (step.step() == 2) {
                Thread.currentThread().interrupt();
            }
        };
        try {
            RunSummary summary = new Trainer(small().build()).run(r, interrupter);
            assertThat(summary.status()).isEqualTo("interrupted");
            assertThat(summary.steps()).isEqualTo(3);
            assertThat(r.steps).hasSize(3);
        } finally {
            Thread.interrupted(); // clear the flag for the next test
        }
    }
}
