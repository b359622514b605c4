package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hebbscope.trainer.TrainerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The training options map onto TrainerConfig; bad values are named. No broker needed. */
class TrainingOptionsTest {

    private static TrainerConfig parse(String... args) {
        TrainCommand command = new TrainCommand();
        CommandLine cl = new CommandLine(command);
        cl.parseArgs(args);
        return command.training.config(cl, command.dataDir);
    }

    @Test
    void everyOptionReachesTheConfig() {
        TrainerConfig c = parse("--bootstrap-servers", "x:1", "--rule", "adamw", "--adam-beta1", "0.8", "--adam-beta2",
            "0.99", "--adam-epsilon", "1e-6", "--l1", "1e-4", "--activation-sparsity", "1e-3", "--gradient-noise", "0.01",
            "--residual", "--batch-norm", "--tau", "3", "--clip", "0.5", "--weight-decay", "5e-4", "--seed", "7",
            "--teacher-init-scale", "2", "--widths", "32-64-64-32");
        assertThat(c.rule()).isEqualTo("adamw");
        assertThat(c.adamBeta1()).isEqualTo(0.8);
        assertThat(c.adamBeta2()).isEqualTo(0.99);
        assertThat(c.adamEpsilon()).isEqualTo(1e-6);
        assertThat(c.l1()).isEqualTo(1e-4);
        assertThat(c.activationSparsity()).isEqualTo(1e-3);
        assertThat(c.gradientNoise()).isEqualTo(0.01);
        assertThat(c.residual()).isTrue();
        assertThat(c.batchNorm()).isTrue();
        assertThat(c.tau()).isEqualTo(3);
        assertThat(c.tauRelative()).isFalse();
        assertThat(c.decayBiases()).isTrue();
        assertThat(c.untilConverged()).isFalse();
        assertThat(c.clip()).isEqualTo(0.5);
        assertThat(c.teacherInitScale()).isEqualTo(2);
        assertThat(c.widths()).containsExactly(32, 64, 64, 32);
        assertThat(c.runId()).startsWith("sre-mlp-adamw-wd5e-4-s7-");
        assertThat(TrainingSession.header(c)).contains("SRE MLP 32-64-64-32 tanh residual batch-norm, AdamW lr 0.01")
            .contains("L1 1.0E-4").contains("gradient noise 0.01");
    }

    private static io.hebbscope.trainer.publish.PublishPolicy policy(String... args) {
        TrainCommand command = new TrainCommand();
        CommandLine cl = new CommandLine(command);
        cl.parseArgs(args);
        return command.training.policy(cl);
    }

    @Test
    void statisticsEveryStepTensorsAtTheirOwnCadence() {
        assertThat(policy("--bootstrap-servers", "x:1").statsEvery()).isZero();
        var p = policy("--bootstrap-servers", "x:1", "--stats", "--publish-every", "50", "--snapshot-every", "1000");
        assertThat(p.statsEvery()).isEqualTo(1);
        assertThat(p.every()).isEqualTo(50);
        assertThat(policy("--bootstrap-servers", "x:1", "--stats-every", "5", "--publish-every", "0").every()).isZero();
        assertThat(policy("--bootstrap-servers", "x:1", "--stats", "--stats-every", "0").statsEvery()).isZero();
        assertThatThrownBy(() -> policy("--bootstrap-servers", "x:1", "--stats-every", "3", "--publish-every", "10"))
            .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("multiple of stats every");
        assertThatThrownBy(() -> policy("--bootstrap-servers", "x:1", "--publish-every", "0"))
            .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--stats");
    }

    @Test
    void decayBiasesIsOnByDefaultAndNegatable() {
        assertThat(parse("--bootstrap-servers", "x:1").decayBiases()).isTrue();
        assertThat(parse("--bootstrap-servers", "x:1", "--decay-biases").decayBiases()).isTrue();
        TrainerConfig off = parse("--bootstrap-servers", "x:1", "--no-decay-biases", "--weight-decay", "1e-3");
        assertThat(off.decayBiases()).isFalse();
        assertThat(off.toMap()).containsEntry("decayBiases", "false");
        assertThat(TrainingSession.header(off)).contains("biases not decayed");
    }

    @Test
    void tauIsRelativeToTheInitialNormUnlessAbsolute() {
        TrainerConfig byDefault = parse("--bootstrap-servers", "x:1", "--rule", "randomnn");
        assertThat(byDefault.tau()).isEqualTo(1.0);
        assertThat(byDefault.tauRelative()).isTrue();
        assertThat(byDefault.toMap()).containsEntry("tau", "1.0x");
        assertThat(TrainingSession.header(byDefault)).contains("τ 1.0x initial norm");
        TrainerConfig multiple = parse("--bootstrap-servers", "x:1", "--random-nn-tau", "1.5x");
        assertThat(multiple.tau()).isEqualTo(1.5);
        assertThat(multiple.tauRelative()).isTrue();
        TrainerConfig absolute = parse("--bootstrap-servers", "x:1", "--random-nn-tau", "5");
        assertThat(absolute.tau()).isEqualTo(5);
        assertThat(absolute.tauRelative()).isFalse();
        assertThat(absolute.toMap()).containsEntry("tau", "5.0");
        assertThatThrownBy(() -> parse("--bootstrap-servers", "x:1", "--tau", "big"))
            .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--tau must be");
        assertThatThrownBy(() -> parse("--bootstrap-servers", "x:1", "--tau", "0x"))
            .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--tau must be > 0");
    }

    @Test
    void untilConvergedUsesMaxEpochs() {
        TrainerConfig c = parse("--bootstrap-servers", "x:1", "--until-converged", "--max-epochs", "120", "--epochs", "7",
            "--patience", "4", "--convergence-tolerance", "0.002");
        assertThat(c.untilConverged()).isTrue();
        assertThat(c.epochs()).isEqualTo(120);
        assertThat(c.patience()).isEqualTo(4);
        assertThat(c.convergenceTolerance()).isEqualTo(0.002);
        assertThat(TrainingSession.header(c)).contains("until converged, at most 120 epochs");
        assertThat(parse("--bootstrap-servers", "x:1", "--max-epochs", "120", "--epochs", "7").epochs()).isEqualTo(7);
        assertThatThrownBy(() -> parse("--bootstrap-servers", "x:1", "--until-converged", "--patience", "0"))
            .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--patience must be >= 1");
    }

    @Test
    void transformerAndTaskDefaults() {
        TrainerConfig t = parse("--bootstrap-servers", "x:1", "--model", "transformer", "--heads", "2",
            "--encoder-layers", "1", "--sequence-length", "8", "--vocab-size", "10", "--embed-dim", "16",
            "--feed-forward", "24", "--widths", "16-32-4");
        assertThat(t.model()).isEqualTo("transformer");
        assertThat(t.heads()).isEqualTo(2);
        assertThat(t.sequenceLength()).isEqualTo(8);
        assertThat(t.feedForward()).isEqualTo(24);
        assertThat(TrainingSession.header(t)).contains("SRE transformer (1 layers, 2 heads, d 16, ff 24, T 8, V 10)");
        TrainerConfig lin = parse("--bootstrap-servers", "x:1", "--task", "linear", "--label-noise", "0.1");
        assertThat(lin.widths()).containsExactly(32, 1);
        assertThat(lin.labelNoise()).isEqualTo(0.1);
        assertThat(lin.trainSize()).isEqualTo(20_000);
    }

    @Test
    void cifarNeedsItsFiles(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> parse("--bootstrap-servers", "x:1", "--task", "cifar10"))
            .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--dataset-dir must be set");
        assertThatThrownBy(() -> parse("--bootstrap-servers", "x:1", "--task", "cifar10", "--data-dir", dir.toString()))
            .isInstanceOf(CommandLine.ParameterException.class)
            .hasMessageContaining("CIFAR-10 file missing: " + dir.resolve("data_batch_1.bin"));
        for (String f : new String[] {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
            "data_batch_5.bin", "test_batch.bin"}) {
            Files.write(dir.resolve(f), new byte[3073 * 2]);
        }
        TrainerConfig c = parse("--bootstrap-servers", "x:1", "--task", "cifar10", "--dataset-dir", dir.toString(),
            "--train-size", "10", "--validation-size", "2");
        assertThat(c.widths()).containsExactly(3072, 128, 128, 10);
        assertThat(c.dataDir()).isEqualTo(dir);
        Files.write(dir.resolve("test_batch.bin"), new byte[100]);
        assertThatThrownBy(() -> parse("--bootstrap-servers", "x:1", "--task", "cifar10", "--data-dir", dir.toString()))
            .hasMessageContaining("truncated").hasMessageContaining("test_batch.bin");
    }

    @Test
    void badValuesNameTheOption() {
        assertThatThrownBy(() -> parse("--bootstrap-servers", "x:1", "--rule", "backprop"))
            .hasMessageContaining("--rule must be one of [sgd, adam, adamw, dfa, randomnn, hebb, oja]");
        assertThatThrownBy(() -> parse("--bootstrap-servers", "x:1", "--adam-beta2", "1.5"))
            .hasMessageContaining("--adam-beta2 must be in [0, 1)");
        assertThatThrownBy(() -> parse("--bootstrap-servers", "x:1", "--tau", "0"))
            .hasMessageContaining("--tau must be > 0");
        assertThatThrownBy(() -> parse("--bootstrap-servers", "x:1", "--activation-sparsity", "-1"))
            .hasMessageContaining("--activation-sparsity must be");
        assertThatThrownBy(() -> parse("--bootstrap-servers", "x:1", "--model", "transformer", "--task", "linear"))
            .hasMessageContaining("model transformer needs task sre");
    }
}
