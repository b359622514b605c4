package io.hebbscope.trainer.tasks;

import io.hebbscope.trainer.Seeds;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.model.Models;

/** Creates the task a config names; new tasks register here. */
public final class Tasks {
    private Tasks() {}

    public static Task create(TrainerConfig c) {
        long seed = Seeds.derive(c.taskSeed(), "task");
        return switch (c.task()) {
            case "sre" -> "transformer".equals(c.model())
                    ? SreTask.transformer(Models.transformerSpec(c), c.teacherInitScale(), c.trainSize(),
                            c.validationSize(), seed, c.dtype())
                    : SreTask.mlp(c.widths(), c.activation(), c.residual(), c.batchNorm(), c.teacherInitScale(),
                            c.trainSize(), c.validationSize(), seed, c.dtype());
            case "linear" -> new LinearRegressionTask(c.widths().get(0), c.widths().get(c.widths().size() - 1),
                    c.labelNoise(), c.trainSize(), c.validationSize(), seed, c.dtype());
            case "cifar10" -> new Cifar10Task(c.dataDir(), c.trainSize(), c.validationSize(), c.dtype());
            default -> throw new IllegalArgumentException("unknown task: " + c.task());
        };
    }
}
