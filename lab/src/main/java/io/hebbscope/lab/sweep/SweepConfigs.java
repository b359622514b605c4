package io.hebbscope.lab.sweep;

import io.hebbscope.trainer.TrainerConfig;

/** Applies a sweep point to the base configuration (the builder validates model and rule names). */
public final class SweepConfigs {
    private SweepConfigs() {}

    public static TrainerConfig.Builder configure(TrainerConfig.Builder base, SweepPoint p) {
        return base.model(p.model()).rule(p.rule()).weightDecay(p.weightDecay()).noiseSigma(p.noise())
            .learningRate(p.learningRate()).seed(p.seed());
    }
}
