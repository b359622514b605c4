package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.Seeds;
import io.hebbscope.trainer.TrainerConfig;
import java.util.List;

/** Creates the update rule a config names; new rules register here, the training loop is unchanged. */
public final class UpdateRules {
    /** Every rule name {@link #create} knows. */
    public static final List<String> NAMES = List.of("sgd", "adam", "adamw", "dfa", "randomnn", "hebb", "oja");

    private UpdateRules() {}

    public static UpdateRule create(TrainerConfig config) {
        Regularizers reg = new Regularizers(config.weightDecay(), config.l1(), config.gradientNoise(),
                Seeds.derive(config.seed(), "gradient-noise"), config.decayBiases());
        return switch (config.rule()) {
            case "sgd" -> new Sgd(reg);
            case "adam" -> new Adam(config.adamBeta1(), config.adamBeta2(), config.adamEpsilon(), false, reg);
            case "adamw" -> new Adam(config.adamBeta1(), config.adamBeta2(), config.adamEpsilon(), true, reg);
            case "dfa" -> new Dfa(reg, Seeds.derive(config.seed(), "dfa-feedback"));
            case "randomnn" -> new RandomNn(reg, config.tau(), config.tauRelative(), config.clip(),
                    Seeds.derive(config.seed(), "randomnn"));
            case "hebb" -> new Hebbian(reg);
            case "oja" -> new Oja(reg);
            default -> throw new IllegalArgumentException("rule must be one of " + NAMES + ", not '" + config.rule() + "'");
        };
    }
}
