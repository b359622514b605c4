package io.hebbscope.trainer.rules;

import io.hebbscope.trainer.Checkpoint;
import io.hebbscope.trainer.model.Model;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How parameters change given a step's batch, forward pass and task-loss gradients (SGD, Adam, DFA, ...). The
 * trainer loop only sees this interface, so a new rule is a new class registered in {@link UpdateRules}. Each rule
 * defines its learning signal g per monitored weight W (shared/paper-notes.md): what it would change W by per unit
 * learning rate with no weight decay and no noise. Regularizers ({@link Regularizers}: L2 decay, L1, gradient
 * noise; the activation-sparsity penalty's gradient from the context) are added by the rule to the update.
 * Injected weight noise is not part of a rule: {@link WeightNoise} applies it before the forward pass.
 */
public interface UpdateRule {

    /** Short name for configs and events, e.g. "sgd". */
    String name();

    /**
     * Allocates optimizer state for {@code model} before step 0, outside any workspace. Idempotent: a second call
     * for the same model does nothing.
     */
    default void init(Model model) {}

    /**
     * True when the rule's learning signal g is exactly -dL/dW (plain SGD), so the probe can report
     * {@code signal = null} instead of a redundant copy.
     */
    boolean signalIsNegativeGradient();

    /**
     * Applies one update in place to the model's parameters, including the regularizers.
     *
     * @param signals when non-null, one array per monitored map of W's shape (workspace scratch) into which the
     *                rule writes its learning signal g
     */
    void apply(Model model, StepContext context, List<INDArray> signals);

    /**
     * Adds to {@code into} the rule's state that its seed and the model do not rebuild: optimizer moments, step counts,
     * values taken from the initial weights, the positions of its random streams. Names start with the rule's name.
     */
    default void saveState(Checkpoint into) {}

    /** Restores what {@link #saveState} stored; called after {@link #init} on a rule built from the same config. */
    default void restoreState(Checkpoint from) {}
}
