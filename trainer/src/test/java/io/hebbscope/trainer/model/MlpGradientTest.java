package io.hebbscope.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.trainer.tasks.Loss;
import io.hebbscope.trainer.tasks.MseLoss;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Backprop against central finite differences of the batch-mean MSE, in double precision. */
class MlpGradientTest {
    private static final double EPS = 1e-6;

    @ParameterizedTest
    @EnumSource(Activation.class)
    void gradientsMatchCentralFiniteDifferences(Activation activation) {
        Mlp net = Mlp.create(List.of(3, 4, 5, 2), activation, 1.0, 42, DataType.DOUBLE);
        INDArray x = gaussian(7, 3, 1);
        INDArray y = gaussian(7, 2, 2);
        Loss loss = new MseLoss();

        Forward forward = net.forward(x);
        Gradients grads = net.newGradients();
        net.backward(forward, loss.gradient(forward.output(), y), grads);

        for (int l = 0; l < net.layerCount(); l++) {
            assertMatchesNumeric(net, net.weight(l), grads.weight(l), x, y, loss, activation + " W" + l);
            assertMatchesNumeric(net, net.bias(l), grads.bias(l), x, y, loss, activation + " b" + l);
        }
    }

    private static void assertMatchesNumeric(Mlp net, INDArray param, INDArray analytic, INDArray x, INDArray y,
                                             Loss loss, String what) {
        INDArray numeric = Nd4j.zeros(DataType.DOUBLE, param.shape());
        INDArray flat = param.reshape(param.length());
        INDArray numericFlat = numeric.reshape(numeric.length());
        for (long i = 0; i < param.length(); i++) {
            double orig = flat.getDouble(i);
            flat.putScalar(i, orig + EPS);
            double plus = loss.value(net.predict(x), y);
            flat.putScalar(i, orig - EPS);
            double minus = loss.value(net.predict(x), y);
            flat.putScalar(i, orig);
            numericFlat.putScalar(i, (plus - minus) / (2 * EPS));
        }
        double diff = analytic.sub(numeric).norm2Number().doubleValue();
        double scale = analytic.norm2Number().doubleValue() + numeric.norm2Number().doubleValue();
        assertThat(scale).as(what + " gradient is not trivially zero").isGreaterThan(1e-6);
        assertThat(diff / scale).as(what + " relative error").isLessThan(1e-6);
    }

    private static INDArray gaussian(int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, DataType.DOUBLE);
    }
}
