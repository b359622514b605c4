package io.hebbscope.cli;

import io.hebbscope.schema.DType;
import io.hebbscope.schema.Keys;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options of one training run (the SRE task of the paper) and of what it publishes. */
final class TrainingOptions {
    @Option(names = "--run-id", paramLabel = "ID", description = "Run id (default: sre-<rule>-wd<γ>-s<seed>-<time>).")
    String runId;

    @Option(names = "--epochs", defaultValue = "50", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--learning-rate", defaultValue = "0.01", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = {"--weight-decay", "--gamma"}, defaultValue = "0", description = "L2 weight decay γ (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = {"--noise", "--sigma"}, defaultValue = "0",
        description = "Std σ of the weight noise injected before each step (default: ${DEFAULT-VALUE}).")
    double noise;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of init, batches, noise, teacher and data (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--widths", defaultValue = "32-128-128-32", paramLabel = "W-W-...",
        description = "Layer widths, input to output (default: ${DEFAULT-VALUE}).")
    String widths;

    @Option(names = "--activation", defaultValue = "tanh",
        description = "Hidden activation: tanh, relu, gelu, sigmoid, linear (default: ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--init-scale", defaultValue = "1", description = "Init W ~ U(±scale/sqrt(fan_in)) (default: ${DEFAULT-VALUE}).")
    double initScale;

    @Option(names = "--batch-size", defaultValue = "256", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--train-size", defaultValue = "20000", description = "Training examples (default: ${DEFAULT-VALUE}).")
    int trainSize;

    @Option(names = "--validation-size", defaultValue = "2000", description = "Validation examples (default: ${DEFAULT-VALUE}).")
    int validationSize;

    @Option(names = "--publish-every", defaultValue = "1",
        description = "Publish layer terms every N steps (default: ${DEFAULT-VALUE}; weights rebuild at every step only with 1).")
    int publishEvery;

    @Option(names = "--snapshot-every", defaultValue = "1000",
        description = "Weight snapshot at step 0 and every N steps (default: ${DEFAULT-VALUE}).")
    int snapshotEvery;

    @Option(names = "--dtype", defaultValue = "float32", description = "Published tensors: float32 or bfloat16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--max-block-bytes", defaultValue = "524288",
        description = "Split layers into blocks of whole neuron rows of about this many bytes (default: ${DEFAULT-VALUE}).")
    int maxBlockBytes;

    TrainerConfig config(CommandLine cmd) {
        try {
            String id = runId != null ? runId : String.format(Locale.ROOT, "sre-sgd-wd%s-s%d-%d",
                trim(weightDecay), seed, System.currentTimeMillis() / 1000);
            Keys.requireValidName("run id", id);
            return TrainerConfig.builder().runId(id).widths(parseWidths()).activation(parseActivation())
                .initScale(initScale).batchSize(batchSize).trainSize(trainSize).validationSize(validationSize)
                .epochs(epochs).learningRate(learningRate).weightDecay(weightDecay).noiseSigma(noise).seed(seed)
                .build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
    }

    PublishPolicy policy(CommandLine cmd) {
        DType type = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "float32" -> DType.FLOAT32;
            case "bfloat16" -> DType.BFLOAT16;
            default -> throw new CommandLine.ParameterException(cmd, "--dtype must be float32 or bfloat16, not '" + dtype + "'");
        };
        try {
            return new PublishPolicy(publishEvery, snapshotEvery, type, maxBlockBytes);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
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
