package io.hebbscope.trainer.tasks;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A supervised learning task: fixed training and validation sets (rows are examples) and the loss to
 * minimise. The arrays live outside any workspace for the whole run.
 */
public interface Task {

    /** Short name for configs and events, e.g. "sre". */
    String name();

    INDArray trainInputs();

    INDArray trainTargets();

    INDArray validationInputs();

    INDArray validationTargets();

    Loss loss();

    default int trainSize() {
        return (int) trainInputs().size(0);
    }
}
