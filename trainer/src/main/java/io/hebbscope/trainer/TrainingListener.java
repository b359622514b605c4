package io.hebbscope.trainer;

/**
 * Observes a training run, one concern per implementation (publisher, progress display, benchmark).
 * Arrays handed to {@link #onStep} are only valid during the call: they may live in a per-step workspace.
 */
public interface TrainingListener {

    /** Called once before the first step. */
    default void onRunStart(RunInfo run) {}

    /**
     * Called once, instead of {@link #onRunStart}, when the trainer continues a run from a {@link Checkpoint}: its first
     * step is {@code firstStep} (the checkpoint's step + 1), the run's earlier steps were reported by the process that
     * crashed. By default the same as onRunStart.
     */
    default void onRunResume(RunInfo run, long firstStep) {
        onRunStart(run);
    }

    /** Whether this listener wants a {@link Checkpoint} of the state after the update of {@code step}. */
    default boolean wantsCheckpoint(long step) { return false; }

    /**
     * The state after the update of a step this listener asked for ({@link #wantsCheckpoint}), called after
     * {@link #onStep} of that step, from the training thread; its arrays are detached copies the listener may keep.
     */
    default void onCheckpoint(Checkpoint checkpoint) {}

    /**
     * Whether this listener wants the per-layer terms of {@code step}. When no listener wants them the
     * probe is skipped, so training alone costs nothing extra.
     */
    default boolean wantsTerms(long step) { return false; }

    /**
     * Whether this listener, when it wants the terms of {@code step}, needs the Hebbian term H among them. One that
     * computes what it needs of H elsewhere, from the terms' pre-activation and input (the publisher's statistics, on
     * its own thread), answers false, so H costs the training thread nothing for it.
     */
    default boolean wantsHebbian(long step) { return true; }

    /** Called after the update of {@code step} has been applied. */
    void onStep(StepRecord step);

    /** Called once after the last step (also when training stops early). */
    default void onRunEnd(RunSummary summary) {}
}
