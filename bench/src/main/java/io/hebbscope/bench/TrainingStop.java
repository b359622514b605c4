package io.hebbscope.bench;

/** Thrown by a bench listener to end a training run where it stands (listener exceptions end {@code Trainer.run}). */
final class TrainingStop extends RuntimeException {
    TrainingStop() {
        super("stopped by the bench", null, false, false);
    }
}
