package io.hebbscope.trainer.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.trainer.model.Activation;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class SreTaskTest {
    private static final List<Integer> WIDTHS = List.of(32, 16, 8);

    @Test
    void teacherLabelsGaussianInputs() {
        SreTask task = new SreTask(WIDTHS, Activation.TANH, 1.0, 500, 100, 11, DataType.FLOAT);

        assertThat(task.trainInputs().shape()).containsExactly(500, 32);
        assertThat(task.trainTargets().shape()).containsExactly(500, 8);
        assertThat(task.validationInputs().shape()).containsExactly(100, 32);
        assertThat(task.validationTargets().shape()).containsExactly(100, 8);
        assertThat(task.trainInputs().meanNumber().doubleValue()).isBetween(-0.05, 0.05);
        assertThat(task.trainInputs().stdNumber().doubleValue()).isBetween(0.95, 1.05);
        assertThat(task.teacher().predict(task.validationInputs()).equalsWithEps(task.validationTargets(), 1e-6))
                .isTrue();
        assertThat(task.loss().value(task.trainTargets(), task.trainTargets())).isZero();
    }

    @Test
    void sameSeedSameData() {
        SreTask a = new SreTask(WIDTHS, Activation.TANH, 1.0, 50, 10, 11, DataType.FLOAT);
        SreTask b = new SreTask(WIDTHS, Activation.TANH, 1.0, 50, 10, 11, DataType.FLOAT);
        SreTask c = new SreTask(WIDTHS, Activation.TANH, 1.0, 50, 10, 12, DataType.FLOAT);
        assertThat(a.trainTargets()).isEqualTo(b.trainTargets());
        assertThat(a.trainInputs()).isNotEqualTo(c.trainInputs());
        assertThat(a.trainInputs()).isNotEqualTo(a.validationInputs().get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 10)));
    }

    @Test
    void mseIsTheMeanOverAllElements() {
        MseLoss mse = new MseLoss();
        var y = Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}});
        var t = Nd4j.createFromArray(new double[][] {{0, 2}, {3, 2}});
        assertThat(mse.value(y, t)).isCloseTo((1.0 + 4.0) / 4, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(mse.gradient(y, t).toDoubleMatrix()).isEqualTo(new double[][] {{0.5, 0}, {0, 1.0}});
    }
}
