package io.hebbscope.trainer.probe;

import io.hebbscope.trainer.LayerInfo;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The per-layer terms of one step, all rows x cols, as defined in shared/paper-notes.md:
 * <ul>
 *   <li>{@code weights}: W_t, the weights before this step's update (before injected noise);</li>
 *   <li>{@code gradient}: dL/dW of the batch-mean task loss, weight decay not included;</li>
 *   <li>{@code signal}: g, the rule's change per unit learning rate without decay or noise;
 *       null when it is exactly -gradient (SGD), so it is never sent twice;</li>
 *   <li>{@code hebbian}: H = (1/B) h^T a, h the pre-activation, a the layer input;</li>
 *   <li>{@code update}: U = W_{t+1} - W_t, everything included;</li>
 *   <li>{@code outputSquareMean}: per neuron (a vector of rows) the batch mean of h_i², what Oja's rule
 *       {@code H - diag(E[h²]) W} needs beside H and W;</li>
 *   <li>{@code preActivation} h (N x rows) and {@code input} a (N x cols) of the step's batch, from which
 *       {@code H = Probe.hebbian(h, a)}: {@code hebbian} is null when no listener needed H computed on the training
 *       thread ({@link io.hebbscope.trainer.TrainingListener#wantsHebbian}).</li>
 * </ul>
 */
public record LayerTerms(LayerInfo layer, INDArray weights, INDArray gradient, INDArray signal,
                         INDArray hebbian, INDArray update, INDArray outputSquareMean, INDArray preActivation,
                         INDArray input) {

    /** Terms without the batch's h and a. */
    public LayerTerms(LayerInfo layer, INDArray weights, INDArray gradient, INDArray signal, INDArray hebbian,
                      INDArray update, INDArray outputSquareMean) {
        this(layer, weights, gradient, signal, hebbian, update, outputSquareMean, null, null);
    }
}
