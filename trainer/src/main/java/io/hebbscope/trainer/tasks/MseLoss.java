package io.hebbscope.trainer.tasks;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Mean squared error averaged over all B x K elements, L = (1/(B K)) sum_ik (y_ik - t_ik)^2, so
 * dL/dy = 2 (y - t) / (B K). This is PyTorch's {@code nn.MSELoss()} default, which the paper's learning rate
 * and weight-decay values most likely refer to; the gradient scale matters because it sets how strong a
 * given weight decay is relative to the task gradient.
 */
public final class MseLoss implements Loss {

    @Override
    public String name() {
        return "mse";
    }

    @Override
    public double value(INDArray output, INDArray target) {
        INDArray diff = output.sub(target);
        double sumSq = diff.norm2Number().doubleValue();
        return sumSq * sumSq / diff.length();
    }

    @Override
    public INDArray gradient(INDArray output, INDArray target) {
        return output.sub(target).muli(2.0 / output.length());
    }
}
