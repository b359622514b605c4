package io.hebbscope.trainer.tasks;

import io.hebbscope.trainer.Seeds;
import io.hebbscope.trainer.model.Model;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Linear regression, the setting of the paper's noise theory (Eq. 13): inputs x ~ N(0, I_d), targets
 * y = W* x + sigma_y eps with a fixed random teacher W* (k x d, entries N(0, 1/d), no bias) and optional label
 * noise eps ~ N(0, I_k); the loss is {@link MseLoss}. With a one-layer student (widths d-k) the model is exactly
 * linear and the analysis applies; deeper students are allowed. Everything is drawn from {@code taskSeed}.
 */
public final class LinearRegressionTask implements Task {
    private final INDArray teacher;
    private final INDArray trainX;
    private final INDArray trainY;
    private final INDArray validX;
    private final INDArray validY;
    private final Loss loss = new MseLoss();

    @SuppressWarnings("try")
    public LinearRegressionTask(int inputs, int outputs, double labelNoise, int trainSize, int validationSize,
                                long taskSeed, DataType dtype) {
        if (inputs <= 0 || outputs <= 0 || trainSize <= 0 || validationSize <= 0) {
            throw new IllegalArgumentException("linear regression sizes must be positive");
        }
        if (labelNoise < 0 || !Double.isFinite(labelNoise)) {
            throw new IllegalArgumentException("labelNoise must be finite and >= 0: " + labelNoise);
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            SplittableRandom random = new SplittableRandom(Seeds.derive(taskSeed, "teacher"));
            double[] w = new double[outputs * inputs];
            for (int i = 0; i < w.length; i++) {
                w[i] = random.nextGaussian() / Math.sqrt(inputs);
            }
            this.teacher = Nd4j.create(w, new long[] {outputs, inputs}, dtype);
            this.trainX = Datasets.gaussian(trainSize, inputs, Seeds.derive(taskSeed, "train-inputs"), dtype);
            this.validX = Datasets.gaussian(validationSize, inputs, Seeds.derive(taskSeed, "validation-inputs"), dtype);
            this.trainY = label(trainX, labelNoise, Seeds.derive(taskSeed, "train-label-noise"), dtype);
            this.validY = label(validX, labelNoise, Seeds.derive(taskSeed, "validation-label-noise"), dtype);
        }
    }

    /** A task whose input and output widths are the student's. */
    public static LinearRegressionTask forModel(Model student, double labelNoise, int trainSize, int validationSize,
                                                long taskSeed) {
        return new LinearRegressionTask(student.inputWidth(), student.outputWidth(), labelNoise, trainSize,
                validationSize, taskSeed, student.dataType());
    }

    private INDArray label(INDArray x, double noise, long seed, DataType dtype) {
        INDArray y = x.mmul(teacher.transpose());
        if (noise > 0) {
            y.addi(Datasets.gaussian((int) y.rows(), (int) y.columns(), seed, dtype).muli(noise));
        }
        return y;
    }

    @Override public String name() { return "linear"; }

    @Override public INDArray trainInputs() { return trainX; }

    @Override public INDArray trainTargets() { return trainY; }

    @Override public INDArray validationInputs() { return validX; }

    @Override public INDArray validationTargets() { return validY; }

    @Override public Loss loss() { return loss; }

    /** The teacher map W*, k x d. */
    public INDArray teacher() { return teacher; }
}
