package io.hebbscope.trainer.tasks;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A supervised learning task: fixed training and validation sets (rows are examples) and the loss to
 * minimise. The arrays live outside any workspace for the whole run.
 */
public interface Task {

    /** Short name for configs and events: "sre", "linear", "cifar10". */
    String name();

    INDArray trainInputs();

    INDArray trainTargets();

    INDArray validationInputs();

    INDArray validationTargets();

    Loss loss();

    default int trainSize() {
        return (int) trainInputs().size(0);
    }

    /** Whether {@link #correct} counts something (classification tasks). */
    default boolean hasAccuracy() {
        return false;
    }

    /** How many rows of {@code output} predict their target's class (classification tasks only). */
    default long correct(INDArray output, INDArray target) {
        throw new UnsupportedOperationException(name() + " has no accuracy");
    }
}
