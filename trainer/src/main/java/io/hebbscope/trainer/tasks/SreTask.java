package io.hebbscope.trainer.tasks;

import io.hebbscope.trainer.Seeds;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.model.Mlp;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Student-teacher regression (the paper's SRE): a teacher MLP of the student's architecture with its own
 * random weights labels inputs x ~ N(0, I); the student regresses the teacher's outputs under {@link MseLoss}.
 * Everything is drawn from {@code taskSeed}: teacher init, then training and validation inputs from separate
 * derived streams.
 */
public final class SreTask implements Task {
    private final Mlp teacher;
    private final INDArray trainX;
    private final INDArray trainY;
    private final INDArray validX;
    private final INDArray validY;
    private final Loss loss = new MseLoss();

    @SuppressWarnings("try") // the scope only redirects allocations
    public SreTask(List<Integer> widths, Activation activation, double teacherInitScale, int trainSize,
                   int validationSize, long taskSeed, DataType dtype) {
        if (trainSize <= 0 || validationSize <= 0) {
            throw new IllegalArgumentException("training and validation sizes must be positive");
        }
        this.teacher = Mlp.create(widths, activation, teacherInitScale, Seeds.derive(taskSeed, "teacher"), dtype);
        int inputs = widths.get(0);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            this.trainX = gaussian(trainSize, inputs, Seeds.derive(taskSeed, "train-inputs"), dtype);
            this.validX = gaussian(validationSize, inputs, Seeds.derive(taskSeed, "validation-inputs"), dtype);
            this.trainY = teacher.predict(trainX);
            this.validY = teacher.predict(validX);
        }
    }

    private static INDArray gaussian(int rows, int cols, long seed, DataType dtype) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, dtype);
    }

    @Override public String name() { return "sre"; }

    @Override public INDArray trainInputs() { return trainX; }

    @Override public INDArray trainTargets() { return trainY; }

    @Override public INDArray validationInputs() { return validX; }

    @Override public INDArray validationTargets() { return validY; }

    @Override public Loss loss() { return loss; }

    /** The teacher network (for tests and diagnostics). */
    public Mlp teacher() { return teacher; }
}
