package io.hebbscope.trainer;

import io.hebbscope.trainer.probe.LayerTerms;
import java.util.List;

/**
 * One training step as seen after its update. {@code layers} is empty when no listener asked for the
 * terms of this step. {@code validationLoss} is null except on the last step of an epoch;
 * {@code validationAccuracy} (fraction of validation examples classified correctly) likewise, and always null for
 * tasks without classes. {@code weightNorms} holds the Frobenius norm of each monitored W after the update, in
 * layer order.
 */
public record StepRecord(long step, int epoch, double trainLoss, Double validationLoss,
                         double learningRate, double[] weightNorms, List<LayerTerms> layers,
                         Double validationAccuracy) {

    /** A step without validation accuracy. */
    public StepRecord(long step, int epoch, double trainLoss, Double validationLoss, double learningRate,
                      double[] weightNorms, List<LayerTerms> layers) {
        this(step, epoch, trainLoss, validationLoss, learningRate, weightNorms, layers, null);
    }
}
