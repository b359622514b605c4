package io.hebbscope.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hebbscope.trainer.probe.LayerTerms;
import io.hebbscope.trainer.rules.UpdateRules;
import io.hebbscope.trainer.tasks.Cifar10TaskTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every rule, model and task of the paper through the real training loop, on small sizes. */
class TrainerSetupsTest {

    private static TrainerConfig.Builder small() {
        return TrainerConfig.builder().runId("setups").trainSize(512).validationSize(128).batchSize(128)
                .epochs(2).learningRate(0.05).weightDecay(1e-3).seed(5).widths(32, 64, 64, 32);
    }

    /** Keeps per-step losses and, on chosen steps, each layer's name and whether its signal was null. */
    static final class Collector implements TrainingListener {
        final List<Double> losses = new ArrayList<>();
        final List<Double> accuracies = new ArrayList<>();
        final List<String> names = new ArrayList<>();
        final List<Boolean> signalNull = new ArrayList<>();
        final List<double[]> cosines = new ArrayList<>();
        RunInfo info;

        @Override public void onRunStart(RunInfo run) { info = run; }

        @Override public boolean wantsTerms(long step) { return step == 1; }

        @Override public void onStep(StepRecord step) {
            losses.add(step.trainLoss());
            accuracies.add(step.validationAccuracy());
            for (LayerTerms t : step.layers()) {
                names.add(t.layer().name());
                signalNull.add(t.signal() == null);
                assertThat(t.hebbian().shape()).isEqualTo(t.weights().shape());
                assertThat(t.update().shape()).isEqualTo(t.weights().shape());
                if (t.signal() != null) {
                    assertThat(t.signal().shape()).isEqualTo(t.weights().shape());
                    double n = t.signal().norm2Number().doubleValue();
                    assertThat(Double.isFinite(n)).isTrue();
                    cosines.add(new double[] {n});
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam", "adamw", "dfa", "randomnn", "hebb", "oja"})
    void everyRuleTrainsTheSreMlp(String rule) {
        Collector c = new Collector();
        RunSummary summary = new Trainer(small().rule(rule).l1(1e-5).activationSparsity(1e-4).gradientNoise(1e-4)
                .noiseSigma(1e-4).build()).run(c);
        assertThat(summary.status()).isEqualTo("completed");
        assertThat(c.info.rule()).isEqualTo(rule);
        assertThat(c.info.model()).isEqualTo("mlp");
        assertThat(c.losses).hasSize(8).allSatisfy(l -> assertThat(Double.isFinite(l)).isTrue());
        assertThat(c.names).containsExactly("layer0", "layer1", "layer2");
        assertThat(c.signalNull).containsOnly(rule.equals("sgd"));
        assertThat(summary.finalValidationAccuracy()).isNull();
        if (List.of("sgd", "adam", "adamw", "dfa").contains(rule)) {
            double first = c.losses.subList(0, 4).stream().mapToDouble(d -> d).average().orElseThrow();
            double last = c.losses.subList(4, 8).stream().mapToDouble(d -> d).average().orElseThrow();
            assertThat(last).as("%s lowers the loss", rule).isLessThan(first);
        }
    }

    @Test
    void residualBatchNormMlpTrains() {
        Collector c = new Collector();
        RunSummary summary = new Trainer(small().residual(true).batchNorm(true).epochs(3).build()).run(c);
        assertThat(summary.status()).isEqualTo("completed");
        assertThat(c.info.config()).containsEntry("residual", "true").containsEntry("batchNorm", "true");
        assertThat(c.losses.get(c.losses.size() - 1)).isLessThan(c.losses.get(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam", "dfa"})
    void transformerTrainsWithEveryLinearMapMonitored(String rule) {
        Collector c = new Collector();
        TrainerConfig config = small().model("transformer").rule(rule).sequenceLength(8).embedDim(16).heads(4)
                .feedForward(16).encoderLayers(2).vocabSize(16).widths(16, 32, 8).trainSize(256).batchSize(64)
                .learningRate(0.01).build();
        RunSummary summary = new Trainer(config).run(c);
        assertThat(summary.status()).isEqualTo("completed");
        assertThat(c.info.model()).isEqualTo("transformer");
        assertThat(c.names).containsExactly("enc0.q", "enc0.k", "enc0.v", "enc0.o", "enc0.ff1", "enc0.ff2",
                "enc1.q", "enc1.k", "enc1.v", "enc1.o", "enc1.ff1", "enc1.ff2",
                "head.layer0", "head.layer1");
        assertThat(c.info.config()).containsEntry("model", "transformer").containsEntry("sequenceLength", "8");
        assertThat(c.losses).allSatisfy(l -> assertThat(Double.isFinite(l)).isTrue());
        if (!rule.equals("dfa")) {
            assertThat(c.losses.get(c.losses.size() - 1)).isLessThan(c.losses.get(0));
        }
    }

    @Test
    void linearRegressionTrainsToTheTeacher() {
        Collector c = new Collector();
        RunSummary summary = new Trainer(small().task("linear").widths(16, 1).learningRate(0.1).epochs(4)
                .weightDecay(0).build()).run(c);
        assertThat(summary.status()).isEqualTo("completed");
        assertThat(c.info.task()).isEqualTo("linear");
        assertThat(c.names).containsExactly("layer0");
        assertThat(summary.finalValidationLoss()).isLessThan(0.5 * c.losses.get(0));
    }

    @Test
    void cifar10ReportsValidationAccuracy(@TempDir Path dir) throws IOException {
        Cifar10TaskTest.writeFiles(dir, 40, 7);
        Collector c = new Collector();
        TrainerConfig config = small().task("cifar10").dataDir(dir).widths(List.of(3072, 16, 10))
                .trainSize(200).validationSize(40).batchSize(50).build();
        RunSummary summary = new Trainer(config).run(c);
        assertThat(summary.status()).isEqualTo("completed");
        assertThat(c.info.task()).isEqualTo("cifar10");
        assertThat(c.info.config()).containsEntry("loss", "cross-entropy-mean-over-batch");
        List<Double> measured = c.accuracies.stream().filter(Objects::nonNull).toList();
        assertThat(measured).hasSize(2).allSatisfy(a -> assertThat(a).isBetween(0.0, 1.0));
        assertThat(summary.finalValidationAccuracy()).isEqualTo(measured.get(1));
        assertThat(c.accuracies.get(0)).isNull();
    }

    @Test
    void defaultsFollowTheTask() {
        TrainerConfig cifar = TrainerConfig.builder().task("cifar10").dataDir(Path.of("x")).build();
        assertThat(cifar.widths()).containsExactly(3072, 128, 128, 10);
        assertThat(cifar.trainSize()).isEqualTo(50_000);
        assertThat(cifar.validationSize()).isEqualTo(10_000);
        TrainerConfig linear = TrainerConfig.builder().task("linear").build();
        assertThat(linear.widths()).containsExactly(32, 1);
        TrainerConfig sre = TrainerConfig.builder().build();
        assertThat(sre.widths()).containsExactly(32, 128, 128, 32);
        assertThat(sre.adamBeta1()).isEqualTo(0.9);
        assertThat(sre.adamBeta2()).isEqualTo(0.999);
        assertThat(sre.toMap()).containsKeys("model", "rule", "l1", "activationSparsity", "gradientNoise", "tau",
                "clip", "adamBeta1", "adamBeta2", "adamEpsilon", "residual", "batchNorm", "labelNoise", "dataDir");
        assertThat(sre.toBuilder().build()).isEqualTo(sre);
        assertThat(UpdateRules.NAMES).containsExactlyElementsOf(TrainerConfig.RULES);
    }

    @Test
    void invalidOptionsAreNamed() {
        assertThatThrownBy(() -> TrainerConfig.builder().rule("backprop").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rule must be one of");
        assertThatThrownBy(() -> TrainerConfig.builder().task("mnist").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("task must be one of");
        assertThatThrownBy(() -> TrainerConfig.builder().model("cnn").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model must be one of");
        assertThatThrownBy(() -> TrainerConfig.builder().task("cifar10").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dataDir");
        assertThatThrownBy(() -> TrainerConfig.builder().task("cifar10").dataDir(Path.of("x")).widths(32, 10).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("widths for task cifar10");
        assertThatThrownBy(() -> TrainerConfig.builder().model("transformer").task("linear").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs task sre");
        assertThatThrownBy(() -> TrainerConfig.builder().model("transformer").widths(16, 8).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("embedDim");
        assertThatThrownBy(() -> TrainerConfig.builder().model("transformer").heads(5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("divisible by heads");
        assertThatThrownBy(() -> TrainerConfig.builder().adamBeta1(1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("adamBeta1");
        assertThatThrownBy(() -> TrainerConfig.builder().tau(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tau");
        assertThatThrownBy(() -> TrainerConfig.builder().clip(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clip");
        assertThatThrownBy(() -> TrainerConfig.builder().l1(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("l1");
        assertThatThrownBy(() -> TrainerConfig.builder().activationSparsity(Double.NaN).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("activationSparsity");
        assertThatThrownBy(() -> TrainerConfig.builder().gradientNoise(-0.1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gradientNoise");
        assertThatThrownBy(() -> new Trainer(TrainerConfig.builder().task("cifar10").dataDir(Path.of("/no/such/dir"))
                .build())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/no/such/dir");
    }
}
