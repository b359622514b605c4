package io.hebbscope.trainer.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** CIFAR-10 from small generated files in the official binary format. */
public class Cifar10TaskTest {

    /** Writes the six files with {@code perFile} records each; record r of file f has label (f + r) % 10. */
    public static void writeFiles(Path dir, int perFile, long seed) throws IOException {
        Random random = new Random(seed);
        for (int f = 0; f < 6; f++) {
            String name = f < 5 ? Cifar10Task.TRAIN_FILES.get(f) : Cifar10Task.TEST_FILE;
            byte[] bytes = new byte[perFile * Cifar10Task.RECORD];
            for (int r = 0; r < perFile; r++) {
                bytes[r * Cifar10Task.RECORD] = (byte) ((f + r) % 10);
                for (int p = 1; p < Cifar10Task.RECORD; p++) {
                    bytes[r * Cifar10Task.RECORD + p] = (byte) random.nextInt(256);
                }
            }
            Files.write(dir.resolve(name), bytes);
        }
    }

    @Test
    void readsRecordsAcrossTrainingFilesInOrder(@TempDir Path dir) throws IOException {
        writeFiles(dir, 4, 1);
        // Pixel 0 of record 0 in data_batch_2: red channel, value v -> (v/255 - 0.4914)/0.2470.
        byte[] second = Files.readAllBytes(dir.resolve("data_batch_2.bin"));
        second[1] = (byte) 255;
        second[1 + 2048] = 0; // first blue pixel
        Files.write(dir.resolve("data_batch_2.bin"), second);

        Cifar10Task task = new Cifar10Task(dir, 10, 3, DataType.FLOAT);
        assertThat(task.trainInputs().shape()).containsExactly(10, 3072);
        assertThat(task.trainTargets().shape()).containsExactly(10, 10);
        assertThat(task.validationInputs().shape()).containsExactly(3, 3072);
        // Labels: file 0 records 0..3 -> 0,1,2,3; file 1 records 0..3 -> 1,2,3,4; file 2 records 0..1 -> 2,3.
        assertThat(task.trainTargets().argMax(1).toIntVector()).containsExactly(0, 1, 2, 3, 1, 2, 3, 4, 2, 3);
        assertThat(task.validationTargets().argMax(1).toIntVector()).containsExactly(5, 6, 7);
        assertThat(task.trainTargets().sum(1).toDoubleVector()).containsOnly(1.0);
        assertThat(task.trainInputs().getDouble(4, 0)).isCloseTo((1.0 - 0.4914) / 0.2470, within(1e-5));
        assertThat(task.trainInputs().getDouble(4, 2048)).isCloseTo(-0.4465 / 0.2616, within(1e-5));
        assertThat(task.hasAccuracy()).isTrue();
        INDArray perfect = task.validationTargets().mul(5);
        assertThat(task.correct(perfect, task.validationTargets())).isEqualTo(3);
        assertThat(task.loss().name()).isEqualTo("cross-entropy");
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) throws IOException {
        writeFiles(dir, 2, 2);
        Files.delete(dir.resolve("data_batch_4.bin"));
        assertThatThrownBy(() -> new Cifar10Task(dir, 4, 2, DataType.FLOAT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing").hasMessageContaining(dir.resolve("data_batch_4.bin").toString());
    }

    @Test
    void aTruncatedFileIsNamed(@TempDir Path dir) throws IOException {
        writeFiles(dir, 2, 3);
        byte[] test = Files.readAllBytes(dir.resolve("test_batch.bin"));
        Files.write(dir.resolve("test_batch.bin"), java.util.Arrays.copyOf(test, test.length - 100));
        assertThatThrownBy(() -> new Cifar10Task(dir, 4, 1, DataType.FLOAT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("truncated").hasMessageContaining(dir.resolve("test_batch.bin").toString());
    }

    @Test
    void tooFewRecordsAndBadLabelsAreErrors(@TempDir Path dir) throws IOException {
        writeFiles(dir, 2, 4);
        assertThatThrownBy(() -> new Cifar10Task(dir, 11, 1, DataType.FLOAT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trainSize 11 exceeds the 10 records");
        byte[] first = Files.readAllBytes(dir.resolve("data_batch_1.bin"));
        first[Cifar10Task.RECORD] = 12;
        Files.write(dir.resolve("data_batch_1.bin"), first);
        assertThatThrownBy(() -> new Cifar10Task(dir, 2, 1, DataType.FLOAT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("record 1 has label 12");
        assertThatThrownBy(() -> new Cifar10Task(dir.resolve("nope"), 2, 1, DataType.FLOAT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a directory");
    }

    @Test
    void crossEntropyByHand() {
        // logits [ln 1, ln 3] -> softmax [0.25, 0.75]; target class 1: L = -ln 0.75; dL/dy = [0.25, -0.25].
        CrossEntropyLoss ce = new CrossEntropyLoss();
        INDArray y = Nd4j.createFromArray(new double[][] {{0, Math.log(3)}});
        INDArray t = Nd4j.createFromArray(new double[][] {{0, 1}});
        assertThat(ce.value(y, t)).isCloseTo(-Math.log(0.75), within(1e-12));
        assertThat(ce.gradient(y, t).toDoubleVector()).containsExactly(new double[] {0.25, -0.25}, within(1e-12));
        // Large logits stay finite.
        assertThat(ce.value(Nd4j.createFromArray(new double[][] {{1000, 0}}), t)).isCloseTo(1000, within(1e-9));
    }

    @Test
    void linearRegressionTargetsAreTheTeacherMapPlusLabelNoise() {
        LinearRegressionTask clean = new LinearRegressionTask(6, 2, 0, 300, 50, 5, DataType.DOUBLE);
        INDArray expected = clean.trainInputs().mmul(clean.teacher().transpose());
        assertThat(clean.trainTargets().equalsWithEps(expected, 1e-12)).isTrue();
        assertThat(clean.teacher().shape()).containsExactly(2, 6);
        LinearRegressionTask noisy = new LinearRegressionTask(6, 2, 0.5, 300, 50, 5, DataType.DOUBLE);
        INDArray residual = noisy.trainTargets().sub(noisy.trainInputs().mmul(noisy.teacher().transpose()));
        assertThat(residual.stdNumber().doubleValue()).isCloseTo(0.5, within(0.05));
        assertThat(noisy.teacher()).isEqualTo(clean.teacher());
        assertThat(noisy.name()).isEqualTo("linear");
    }
}
