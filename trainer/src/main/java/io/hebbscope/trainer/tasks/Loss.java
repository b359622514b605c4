package io.hebbscope.trainer.tasks;

import org.nd4j.linalg.api.ndarray.INDArray;

/** A batch-mean task loss: its value and its gradient with respect to the network output. */
public interface Loss {

    /** Short name for configs and events, e.g. "mse". */
    String name();

    /** L(output, target), a mean over the batch. */
    double value(INDArray output, INDArray target);

    /** dL/d(output), a new array of the output's shape (in the current workspace, if any). */
    INDArray gradient(INDArray output, INDArray target);

    /**
     * The output that predicts, for every example, the mean training target {@code targetMean} (1 x outputs):
     * the trivial baseline that knows only the targets' average. Regression: the mean itself.
     */
    default INDArray constantPrediction(INDArray targetMean) {
        return targetMean.dup();
    }
}
