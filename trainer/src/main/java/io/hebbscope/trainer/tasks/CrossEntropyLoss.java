package io.hebbscope.trainer.tasks;

import io.hebbscope.trainer.model.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Softmax cross-entropy against one-hot (or soft) targets, averaged over the batch:
 * L = -(1/B) sum_i sum_k t_ik log softmax(y_i)_k, so dL/dy = (softmax(y) - t) / B (PyTorch's
 * {@code nn.CrossEntropyLoss()} on logits). Computed with the log-sum-exp shift for stability.
 */
public final class CrossEntropyLoss implements Loss {

    @Override
    public String name() {
        return "cross-entropy";
    }

    private static INDArray logSoftmax(INDArray output) {
        INDArray shifted = Broadcast.subColumn(output, output.max(true, 1));
        INDArray lse = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
        return Broadcast.subiColumn(shifted, lse);
    }

    @Override
    public double value(INDArray output, INDArray target) {
        return -logSoftmax(output).muli(target).sumNumber().doubleValue() / output.size(0);
    }

    @Override
    public INDArray gradient(INDArray output, INDArray target) {
        return Transforms.exp(logSoftmax(output), false).subi(target).divi(output.size(0));
    }

    /** Logits log(class frequency): softmax gives the training set's class frequencies. */
    @Override
    public INDArray constantPrediction(INDArray targetMean) {
        return Transforms.log(Transforms.max(targetMean, 1e-12, true), false);
    }

    /** Rows whose largest output is at the target's largest entry. */
    public static long correct(INDArray output, INDArray target) {
        long[] predicted = output.argMax(1).toLongVector();
        long[] actual = target.argMax(1).toLongVector();
        long n = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] == actual[i]) {
                n++;
            }
        }
        return n;
    }
}
