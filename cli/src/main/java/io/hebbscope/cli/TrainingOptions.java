package io.hebbscope.cli;

import io.hebbscope.schema.DType;
import io.hebbscope.schema.Keys;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.publish.PublishPolicy;
import io.hebbscope.trainer.tasks.Cifar10Task;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options of one training run (task, model, update rule, regularizers, noise; every setup of the paper) and of
 * what it publishes. Each maps onto one {@link TrainerConfig} option.
 */
final class TrainingOptions {
    @Option(names = "--run-id", paramLabel = "ID",
        description = "Run id (default: <task>-<model>-<rule>-wd<γ>-s<seed>-<time>).")
    String runId;

    @Option(names = "--task", defaultValue = "sre",
        description = "Task: sre (student-teacher regression), linear (linear regression, the noise theory's Eq. 13), "
            + "cifar10 (classification from --dataset-dir) (default: ${DEFAULT-VALUE}).")
    String task;

    @Option(names = "--model", defaultValue = "mlp",
        description = "Model: mlp or transformer (sre only; --widths are then its MLP head's) (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--rule", defaultValue = "sgd",
        description = "Update rule: sgd, adam (coupled L2), adamw (decoupled), dfa, randomnn, hebb (weight-normalized), "
            + "oja (default: ${DEFAULT-VALUE}).")
    String rule;

    @Option(names = "--dataset-dir", paramLabel = "DIR",
        description = "Directory of the CIFAR-10 binary files data_batch_1.bin .. data_batch_5.bin and test_batch.bin "
            + "(--task cifar10; `train` also accepts --data-dir).")
    Path datasetDir;

    @Option(names = "--epochs", defaultValue = "50", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--until-converged",
        description = "Train until the validation loss and every layer's weight norm plateau (the means of the last "
            + "--patience epochs and of the --patience before them within --convergence-tolerance), at most "
            + "--max-epochs epochs; --epochs is then unused.")
    boolean untilConverged;

    @Option(names = "--max-epochs", defaultValue = "300",
        description = "The epoch limit of --until-converged (default: ${DEFAULT-VALUE}).")
    int maxEpochs;

    @Option(names = "--patience", defaultValue = "10",
        description = "Window of the --until-converged plateau test, in epochs (default: ${DEFAULT-VALUE}).")
    int patience;

    @Option(names = "--convergence-tolerance", defaultValue = "0.01",
        description = "Relative tolerance of the --until-converged plateau test (default: ${DEFAULT-VALUE}).")
    double convergenceTolerance;

    @Option(names = "--learning-rate", defaultValue = "0.01", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = {"--weight-decay", "--gamma"}, defaultValue = "0", description = "L2 weight decay γ (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--decay-biases", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "Decay biases and the other trained parameters (embeddings, LayerNorm) too, as PyTorch's "
            + "weight_decay does (default: on; --no-decay-biases decays the weights W only).")
    boolean decayBiases;

    @Option(names = {"--noise", "--sigma"}, defaultValue = "0",
        description = "Std σ of the weight noise injected before each step (default: ${DEFAULT-VALUE}).")
    double noise;

    @Option(names = "--l1", defaultValue = "0", description = "L1 penalty λ on the weights (default: ${DEFAULT-VALUE}).")
    double l1;

    @Option(names = "--activation-sparsity", defaultValue = "0",
        description = "Penalty on the mean |activation| of every hidden activation (default: ${DEFAULT-VALUE}).")
    double activationSparsity;

    @Option(names = "--gradient-noise", defaultValue = "0",
        description = "Std of Gaussian noise added to each weight gradient every step (default: ${DEFAULT-VALUE}).")
    double gradientNoise;

    @Option(names = "--adam-beta1", defaultValue = "0.9", description = "Adam β1 (default: ${DEFAULT-VALUE}).")
    double adamBeta1;

    @Option(names = "--adam-beta2", defaultValue = "0.999", description = "Adam β2 (default: ${DEFAULT-VALUE}).")
    double adamBeta2;

    @Option(names = "--adam-epsilon", defaultValue = "1e-8", description = "Adam ε (default: ${DEFAULT-VALUE}).")
    double adamEpsilon;

    @Option(names = {"--tau", "--random-nn-tau"}, defaultValue = "1x", paramLabel = "τ",
        description = "RandomNN target weight norm τ: a multiple of each weight matrix's initial norm (1.5x) or an "
            + "absolute norm (5) (default: ${DEFAULT-VALUE}, the initial norm).")
    String tau;

    @Option(names = "--clip", defaultValue = "0.1",
        description = "RandomNN maximal update norm per weight matrix and step (default: ${DEFAULT-VALUE}).")
    double clip;

    @Option(names = "--label-noise", defaultValue = "0",
        description = "Std of the label noise of --task linear (default: ${DEFAULT-VALUE}).")
    double labelNoise;

    @Option(names = "--residual", description = "Skip connections on hidden MLP blocks of equal input and output width.")
    boolean residual;

    @Option(names = "--batch-norm", description = "Batch norm between each hidden MLP map and its activation.")
    boolean batchNorm;

    @Option(names = "--vocab-size", defaultValue = "16", description = "Transformer vocabulary (default: ${DEFAULT-VALUE}).")
    int vocabSize;

    @Option(names = "--sequence-length", defaultValue = "32", description = "Transformer tokens per example (default: ${DEFAULT-VALUE}).")
    int sequenceLength;

    @Option(names = "--embed-dim", defaultValue = "32", description = "Transformer embedding width (default: ${DEFAULT-VALUE}).")
    int embedDim;

    @Option(names = "--encoder-layers", defaultValue = "2", description = "Transformer encoder layers (default: ${DEFAULT-VALUE}).")
    int encoderLayers;

    @Option(names = "--heads", defaultValue = "4", description = "Transformer attention heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--feed-forward", defaultValue = "32", description = "Transformer feed-forward width (default: ${DEFAULT-VALUE}).")
    int feedForward;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of init, batches, noise, teacher and data (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--widths", paramLabel = "W-W-...",
        description = "MLP widths, input to output (default by task: sre 32-128-128-32, linear 32-1, cifar10 3072-128-128-10).")
    String widths;

    @Option(names = "--activation", defaultValue = "tanh",
        description = "Hidden activation: tanh, relu, gelu, sigmoid, linear (default: ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--init-scale", defaultValue = "1", description = "Init W ~ U(±scale/sqrt(fan_in)) (default: ${DEFAULT-VALUE}).")
    double initScale;

    @Option(names = "--teacher-init-scale", defaultValue = "1", description = "The SRE teacher's init scale (default: ${DEFAULT-VALUE}).")
    double teacherInitScale;

    @Option(names = "--batch-size", defaultValue = "256", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--train-size", description = "Training examples (default: 20000; cifar10: 50000).")
    Integer trainSize;

    @Option(names = "--validation-size", description = "Validation examples (default: 2000; cifar10: 10000).")
    Integer validationSize;

    @Option(names = "--publish-every", defaultValue = "1",
        description = "Publish layer terms (the tensors) every N steps (default: ${DEFAULT-VALUE}; weights rebuild at every step "
            + "only with 1; 0: never, with --stats).")
    int publishEvery;

    @Option(names = "--stats", description = "Publish per-neuron statistics computed by the trainer (LayerStats): the analyzer "
        + "needs no tensors for those steps, so large models are watched every step. Tensors follow every --publish-every steps.")
    boolean stats;

    @Option(names = "--stats-every", paramLabel = "N",
        description = "Publish the statistics every N steps (implies --stats; default 1 with --stats, 0: none). --publish-every "
            + "must be a multiple of it.")
    Integer statsEvery;

    @Option(names = "--snapshot-every", defaultValue = "1000",
        description = "Weight snapshot at step 0 and every N steps (default: ${DEFAULT-VALUE}).")
    int snapshotEvery;

    @Option(names = "--dtype", defaultValue = "float32", description = "Published tensors: float32 or bfloat16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--max-block-bytes", defaultValue = "524288",
        description = "Split layers into blocks of whole neuron rows of about this many bytes (default: ${DEFAULT-VALUE}).")
    int maxBlockBytes;

    TrainerConfig config(CommandLine cmd) {
        return config(cmd, null);
    }

    /** The run's config; {@code dataDirAlias} (train's --data-dir) stands in for --dataset-dir when given. */
    TrainerConfig config(CommandLine cmd, Path dataDirAlias) {
        try {
            String id = runId != null ? runId : String.format(Locale.ROOT, "%s-%s-%s-wd%s-s%d-%d",
                lower(task), lower(model), lower(rule), trim(weightDecay), seed, System.currentTimeMillis() / 1000);
            Keys.requireValidName("run id", id);
            TrainerConfig.Builder b = TrainerConfig.builder().runId(id).task(lower(task)).model(lower(model))
                .rule(lower(rule)).activation(parseActivation()).residual(residual).batchNorm(batchNorm)
                .initScale(initScale).teacherInitScale(teacherInitScale).batchSize(batchSize)
                .epochs(untilConverged ? maxEpochs : epochs).untilConverged(untilConverged).patience(patience)
                .convergenceTolerance(convergenceTolerance)
                .learningRate(learningRate).weightDecay(weightDecay).decayBiases(decayBiases).l1(l1)
                .activationSparsity(activationSparsity)
                .noiseSigma(noise).gradientNoise(gradientNoise).adamBeta1(adamBeta1).adamBeta2(adamBeta2)
                .adamEpsilon(adamEpsilon).clip(clip).labelNoise(labelNoise)
                .dataDir(dataDirAlias != null ? dataDirAlias : datasetDir).vocabSize(vocabSize)
                .sequenceLength(sequenceLength).embedDim(embedDim).encoderLayers(encoderLayers).heads(heads)
                .feedForward(feedForward).seed(seed);
            parseTau(b);
            if (widths != null) {
                b.widths(parseWidths());
            }
            if (trainSize != null) {
                b.trainSize(trainSize);
            }
            if (validationSize != null) {
                b.validationSize(validationSize);
            }
            TrainerConfig config = b.build();
            if ("cifar10".equals(config.task())) {
                Cifar10Task.checkFiles(config.dataDir()); // fail before connecting to Kafka, naming the file
            }
            return config;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, optionName(e.getMessage()));
        }
    }

    /** Config option names in messages become the command-line names (learningRate -> --learning-rate). */
    static String optionName(String message) {
        String[][] names = {{"activationSparsity", "--activation-sparsity"}, {"gradientNoise", "--gradient-noise"},
            {"adamBeta1", "--adam-beta1"}, {"adamBeta2", "--adam-beta2"}, {"adamEpsilon", "--adam-epsilon"},
            {"labelNoise", "--label-noise"}, {"dataDir", "--dataset-dir"}, {"vocabSize", "--vocab-size"},
            {"sequenceLength", "--sequence-length"}, {"embedDim", "--embed-dim"}, {"encoderLayers", "--encoder-layers"},
            {"feedForward", "--feed-forward"}, {"convergenceTolerance", "--convergence-tolerance"}};
        String out = message;
        for (String[] n : names) {
            out = out.replace(n[0], n[1]);
        }
        for (String n : new String[] {"task", "model", "rule", "tau", "clip", "l1", "heads", "patience"}) {
            out = out.replaceAll("^" + n + " ", "--" + n + " ");
        }
        return out;
    }

    private static String lower(String s) {
        return s.trim().toLowerCase(Locale.ROOT);
    }

    PublishPolicy policy(CommandLine cmd) {
        DType type = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "float32" -> DType.FLOAT32;
            case "bfloat16" -> DType.BFLOAT16;
            default -> throw new CommandLine.ParameterException(cmd, "--dtype must be float32 or bfloat16, not '" + dtype + "'");
        };
        try {
            int statistics = statsEvery != null ? statsEvery : stats ? 1 : 0;
            return new PublishPolicy(publishEvery, snapshotEvery, type, maxBlockBytes, statistics);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
    }

    /** {@code 1.5x}: a multiple of the initial norm; {@code 5}: an absolute norm. */
    private void parseTau(TrainerConfig.Builder b) {
        String t = tau.trim().toLowerCase(Locale.ROOT);
        boolean relative = t.endsWith("x");
        try {
            double v = Double.parseDouble(relative ? t.substring(0, t.length() - 1) : t);
            if (relative) {
                b.tauMultiple(v);
            } else {
                b.tauAbsolute(v);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--tau must be a multiple of the initial norm like 1.5x or an absolute "
                + "norm like 5, not '" + tau + "'");
        }
    }

    private List<Integer> parseWidths() {
        List<Integer> out = new ArrayList<>();
        for (String part : widths.split("-")) {
            try {
                out.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--widths must look like 32-128-128-32, not '" + widths + "'");
            }
        }
        return out;
    }

    private Activation parseActivation() {
        for (Activation a : Activation.values()) {
            if (a.id().equalsIgnoreCase(activation)) {
                return a;
            }
        }
        throw new IllegalArgumentException("--activation must be one of tanh, relu, gelu, sigmoid, linear, not '" + activation + "'");
    }

    private static String trim(double v) {
        return String.valueOf(v).replace(".0E", "e").replace("E", "e").replaceAll("\\.0$", "");
    }
}
