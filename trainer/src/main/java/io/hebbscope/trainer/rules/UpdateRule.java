package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.model.Mlp;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How weights change given a step's forward pass and gradients (SGD, Adam, DFA, ...). The trainer loop only
 * sees this interface, so a new rule is a new class. Injected weight noise is not part of a rule: it is applied
 * by {@link WeightNoise} before the forward pass, whatever the rule.
 */
public interface UpdateRule {

    /** Short name for configs and events, e.g. "sgd". */
    String name();

    /** Allocates optimizer state for {@code model}; called once before step 0, outside any workspace. */
    default void init(Mlp model) {}

    /**
     * True when the rule's learning signal g is exactly -dL/dW (plain SGD), so the probe can report
     * {@code signal = null} instead of a redundant copy.
     */
    boolean signalIsNegativeGradient();

    /**
     * Applies one update in place to the model's weights and biases, including the rule's weight decay.
     *
     * @param signals when non-null, one array per layer of W's shape (workspace scratch) into which the rule
     *                writes its learning signal g: the change of W per unit learning rate without decay or noise
     */
    void apply(Mlp model, StepContext context, List<INDArray> signals);
}
