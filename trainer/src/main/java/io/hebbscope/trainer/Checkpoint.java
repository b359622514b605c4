package io.hebbscope.trainer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Everything a trainer needs, beyond its {@link TrainerConfig}, to continue a run exactly where it was after the update
 * of {@link #step()}: the model's arrays (trained parameters and other state such as batch norm's running statistics),
 * the update rule's and the trainer's own state (optimizer moments, step counts, the convergence history), named
 * numbers, and the positions of the native random streams. What is a function of the seed (init, data, batch order of
 * an epoch, DFA's feedback matrices, RandomNN's network and projections) is not in it: the resumed trainer rebuilds it.
 * Arrays are detached copies, outside any workspace. Built by {@link Trainer#checkpoint()}, published by the publisher
 * as TrainerCheckpoint records, consumed by {@link Trainer#resumeFrom}.
 */
public final class Checkpoint {
    /** The position of a native random stream: ND4J's {@code rootState()} and {@code nodeState()}. */
    public record RngState(long rootState, long nodeState) {}

    private final String runId;
    private final long step;
    private final int nextEpoch;
    private final int nextBatch;
    private final Map<String, INDArray> parameters = new LinkedHashMap<>();
    private final Map<String, INDArray> optimizer = new LinkedHashMap<>();
    private final Map<String, Double> scalars = new LinkedHashMap<>();
    private final Map<String, RngState> rngStates = new LinkedHashMap<>();

    /**
     * @param step      the last step whose update the state includes (the resumed trainer runs {@code step + 1} next)
     * @param nextEpoch the epoch of step + 1
     * @param nextBatch the batch of step + 1 within its epoch
     */
    public Checkpoint(String runId, long step, int nextEpoch, int nextBatch) {
        if (step < 0 || nextEpoch < 0 || nextBatch < 0) {
            throw new IllegalArgumentException("checkpoint step, epoch and batch must be >= 0: " + step + ", " + nextEpoch
                + ", " + nextBatch);
        }
        this.runId = runId;
        this.step = step;
        this.nextEpoch = nextEpoch;
        this.nextBatch = nextBatch;
    }

    public String runId() { return runId; }

    public long step() { return step; }

    public int nextEpoch() { return nextEpoch; }

    public int nextBatch() { return nextBatch; }

    /** The model's arrays by name, in insertion order (read-only view). */
    public Map<String, INDArray> parameters() { return Collections.unmodifiableMap(parameters); }

    /** The rule's and the trainer's arrays by name (read-only view). */
    public Map<String, INDArray> optimizer() { return Collections.unmodifiableMap(optimizer); }

    public Map<String, Double> scalars() { return Collections.unmodifiableMap(scalars); }

    public Map<String, RngState> rngStates() { return Collections.unmodifiableMap(rngStates); }

    /** Stores a detached copy of {@code array} (the live one may change after this call). */
    public Checkpoint putParameter(String name, INDArray array) {
        put(parameters, name, array);
        return this;
    }

    public Checkpoint putOptimizer(String name, INDArray array) {
        put(optimizer, name, array);
        return this;
    }

    public Checkpoint putScalar(String name, double value) {
        unique(name, scalars.containsKey(name));
        scalars.put(name, value);
        return this;
    }

    public Checkpoint putRng(String name, RngState state) {
        unique(name, rngStates.containsKey(name));
        rngStates.put(name, state);
        return this;
    }

    @SuppressWarnings("try") // the scope only redirects allocations
    private static void put(Map<String, INDArray> into, String name, INDArray array) {
        unique(name, into.containsKey(name));
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            into.put(name, array.dup('c'));
        }
    }

    private static void unique(String name, boolean present) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("checkpoint entries need a name");
        }
        if (present) {
            throw new IllegalArgumentException("checkpoint entry '" + name + "' is stored twice");
        }
    }

    /** The named model array; an error naming it when the checkpoint lacks it. */
    public INDArray parameter(String name) {
        return required(parameters, name, "parameter");
    }

    public INDArray optimizerArray(String name) {
        return required(optimizer, name, "optimizer array");
    }

    public double scalar(String name) {
        return required(scalars, name, "number");
    }

    public RngState rng(String name) {
        return required(rngStates, name, "random stream");
    }

    private <T> T required(Map<String, T> map, String name, String what) {
        T v = map.get(name);
        if (v == null) {
            throw new IllegalStateException("the checkpoint of run " + runId + " at step " + step + " has no " + what + " '"
                + name + "'");
        }
        return v;
    }

    /**
     * Copies the named model array into {@code live} in place, after checking its shape and type: the live array is
     * what the model, the rule and the probe hold.
     */
    public void restoreParameter(String name, INDArray live) {
        assign(parameter(name), live, name);
    }

    public void restoreOptimizer(String name, INDArray live) {
        assign(optimizerArray(name), live, name);
    }

    private void assign(INDArray stored, INDArray live, String name) {
        if (!java.util.Arrays.equals(stored.shape(), live.shape())) {
            throw new IllegalStateException("the checkpoint's '" + name + "' has shape "
                + java.util.Arrays.toString(stored.shape()) + ", the resumed trainer's " + java.util.Arrays.toString(live.shape())
                + ": the run's config does not rebuild the same model");
        }
        live.assign(stored.dataType() == live.dataType() ? stored : stored.castTo(live.dataType()));
    }

    @Override
    public String toString() {
        return "Checkpoint[" + runId + " after step " + step + ", next epoch " + nextEpoch + " batch " + nextBatch + ", "
            + parameters.size() + " model arrays, " + optimizer.size() + " optimizer arrays, " + scalars.size()
            + " numbers, " + rngStates.size() + " random streams]";
    }
}
