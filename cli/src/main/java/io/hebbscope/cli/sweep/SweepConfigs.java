package io.hebbscope.cli.sweep;

import io.hebbscope.trainer.TrainerConfig;

/** Applies a sweep point to the base configuration. */
public final class SweepConfigs {
    private SweepConfigs() {}

    public static TrainerConfig.Builder configure(TrainerConfig.Builder base, SweepPoint p) {
        if (!p.model().equals("mlp")) {
            throw new IllegalArgumentException("unknown model '" + p.model() + "' (mlp)");
        }
        return base.rule(p.rule()).weightDecay(p.weightDecay()).noiseSigma(p.noise()).learningRate(p.learningRate())
            .seed(p.seed());
    }
}
