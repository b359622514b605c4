package io.hebbscope.trainer.tasks;

import io.hebbscope.trainer.Seeds;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.model.Mlp;
import io.hebbscope.trainer.model.Model;
import io.hebbscope.trainer.model.Transformer;
import java.util.List;
import java.util.function.BiFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Student-teacher regression (the paper's SRE): a teacher of the student's architecture with its own random
 * weights labels random inputs; the student regresses the teacher's outputs under {@link MseLoss}. MLP inputs are
 * x ~ N(0, I); transformer inputs are token ids uniform over the vocabulary. Everything is drawn from
 * {@code taskSeed}: teacher init, then training and validation inputs from separate derived streams.
 */
public final class SreTask implements Task {
    private final Model teacher;
    private final INDArray trainX;
    private final INDArray trainY;
    private final INDArray validX;
    private final INDArray validY;
    private final Loss loss = new MseLoss();

    /** With a plain MLP teacher and Gaussian inputs. */
    public SreTask(List<Integer> widths, Activation activation, double teacherInitScale, int trainSize,
                   int validationSize, long taskSeed, DataType dtype) {
        this(Mlp.create(widths, activation, teacherInitScale, Seeds.derive(taskSeed, "teacher"), dtype),
                trainSize, validationSize, taskSeed,
                (rows, seed) -> Datasets.gaussian(rows, widths.get(0), seed, dtype));
    }

    /** MLP student-teacher regression; the teacher has the same widths, activation, residual and batch norm. */
    public static SreTask mlp(List<Integer> widths, Activation activation, boolean residual, boolean batchNorm,
                              double teacherInitScale, int trainSize, int validationSize, long taskSeed,
                              DataType dtype) {
        Mlp teacher = Mlp.create(widths, activation, residual, batchNorm, teacherInitScale,
                Seeds.derive(taskSeed, "teacher"), dtype, "", 0);
        return new SreTask(teacher, trainSize, validationSize, taskSeed,
                (rows, seed) -> Datasets.gaussian(rows, widths.get(0), seed, dtype));
    }

    /** Transformer student-teacher regression; the teacher is a transformer of the same spec. */
    public static SreTask transformer(Transformer.Spec spec, double teacherInitScale, int trainSize,
                                      int validationSize, long taskSeed, DataType dtype) {
        Transformer teacher = Transformer.create(spec, teacherInitScale, Seeds.derive(taskSeed, "teacher"), dtype);
        return new SreTask(teacher, trainSize, validationSize, taskSeed,
                (rows, seed) -> Datasets.tokens(rows, spec.seqLen(), spec.vocab(), seed, dtype));
    }

    @SuppressWarnings("try") // the scope only redirects allocations
    private SreTask(Model teacher, int trainSize, int validationSize, long taskSeed,
                    BiFunction<Integer, Long, INDArray> inputs) {
        if (trainSize <= 0 || validationSize <= 0) {
            throw new IllegalArgumentException("training and validation sizes must be positive");
        }
        this.teacher = teacher;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            this.trainX = inputs.apply(trainSize, Seeds.derive(taskSeed, "train-inputs"));
            this.validX = inputs.apply(validationSize, Seeds.derive(taskSeed, "validation-inputs"));
            this.trainY = Datasets.predict(teacher, trainX);
            this.validY = Datasets.predict(teacher, validX);
        }
    }

    @Override public String name() { return "sre"; }

    @Override public INDArray trainInputs() { return trainX; }

    @Override public INDArray trainTargets() { return trainY; }

    @Override public INDArray validationInputs() { return validX; }

    @Override public INDArray validationTargets() { return validY; }

    @Override public Loss loss() { return loss; }

    /** The teacher network (for tests and diagnostics). */
    public Model teacher() { return teacher; }
}
