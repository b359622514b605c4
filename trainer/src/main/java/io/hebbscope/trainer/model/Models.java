package io.hebbscope.trainer.model;

import io.hebbscope.trainer.TrainerConfig;

/** Creates the model a config names (the student, and the SRE teacher with the teacher's scale and seed). */
public final class Models {
    private Models() {}

    public static Model create(TrainerConfig config, double initScale, long seed) {
        return switch (config.model()) {
            case "mlp" -> Mlp.create(config.widths(), config.activation(), config.residual(), config.batchNorm(),
                    initScale, seed, config.dtype(), "", 0);
            case "transformer" -> Transformer.create(transformerSpec(config), initScale, seed, config.dtype());
            default -> throw new IllegalArgumentException("unknown model: " + config.model());
        };
    }

    /** The transformer sizes of a config; its MLP head has the config's widths, activation, residual and norm. */
    public static Transformer.Spec transformerSpec(TrainerConfig c) {
        return new Transformer.Spec(c.vocabSize(), c.sequenceLength(), c.embedDim(), c.encoderLayers(), c.heads(),
                c.feedForward(), c.widths(), c.activation(), c.residual(), c.batchNorm());
    }
}
