package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.TrainerConfig;

/** Creates the update rule a config names; new rules register here, the training loop is unchanged. */
public final class UpdateRules {
    private UpdateRules() {}

    public static UpdateRule create(TrainerConfig config) {
        return switch (config.rule()) {
            case "sgd" -> new Sgd(config.weightDecay());
            default -> throw new IllegalArgumentException("unknown update rule: " + config.rule());
        };
    }
}
