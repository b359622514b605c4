package io.hebbscope.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.trainer.tasks.Loss;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Central finite differences of a model's training-mode objective against its backward pass, in double. */
final class GradientCheck {
    static final double EPS = 1e-6;
    static final int MAX_ENTRIES = 12;

    private GradientCheck() {}

    /**
     * Checks every parameter (W, b, extras) of {@code net}. The objective is the loss plus
     * {@code sparsity * penalty(forward)}; the backward pass is asked for the same. Returns the names of the
     * parameters whose gradient is identically zero (both ways), which callers assert.
     */
    static List<String> check(Model net, INDArray x, INDArray y, Loss loss, double sparsity,
                      ToDoubleFunction<Forward> penalty, String what) {
        Forward forward = net.forward(x, true);
        Gradients grads = net.newGradients();
        net.backward(forward, loss.gradient(forward.output(), y), sparsity, grads);
        ToDoubleFunction<Model> objective = m -> {
            Forward f = m.forward(x, true);
            return loss.value(f.output(), y) + (sparsity > 0 ? sparsity * penalty.applyAsDouble(f) : 0);
        };
        List<INDArray> params = new ArrayList<>(net.weights());
        params.addAll(net.biases());
        params.addAll(net.extras());
        List<INDArray> analytic = new ArrayList<>(grads.weights());
        analytic.addAll(grads.biases());
        analytic.addAll(grads.extras());
        List<String> names = new ArrayList<>();
        net.layers().forEach(l -> names.add("W " + l.name()));
        net.layers().forEach(l -> names.add("b " + l.name()));
        for (int i = 0; i < net.extras().size(); i++) {
            names.add("extra " + i);
        }
        List<String> zero = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            if (!assertMatchesNumeric(net, params.get(i), analytic.get(i), objective, what + " " + names.get(i))) {
                zero.add(names.get(i));
            }
        }
        return zero;
    }

    /** False when both gradients are (numerically) zero. */
    static boolean assertMatchesNumeric(Model net, INDArray param, INDArray analytic, ToDoubleFunction<Model> objective,
                                        String what) {
        INDArray flat = param.reshape(param.length());
        INDArray analyticFlat = analytic.reshape(analytic.length());
        // At most MAX_ENTRIES entries per parameter, spread evenly, to keep the check fast.
        long n = param.length();
        int count = (int) Math.min(n, MAX_ENTRIES);
        double[] numeric = new double[count];
        double[] exact = new double[count];
        for (int j = 0; j < count; j++) {
            long i = count == n ? j : (j * n) / count + (j % 3);
            i = Math.min(i, n - 1);
            double orig = flat.getDouble(i);
            flat.putScalar(i, orig + EPS);
            double plus = objective.applyAsDouble(net);
            flat.putScalar(i, orig - EPS);
            double minus = objective.applyAsDouble(net);
            flat.putScalar(i, orig);
            numeric[j] = (plus - minus) / (2 * EPS);
            exact[j] = analyticFlat.getDouble(i);
        }
        double diff = 0;
        double numNorm = 0;
        double exactNorm = 0;
        for (int j = 0; j < count; j++) {
            diff += (numeric[j] - exact[j]) * (numeric[j] - exact[j]);
            numNorm += numeric[j] * numeric[j];
            exactNorm += exact[j] * exact[j];
        }
        if (analytic.norm2Number().doubleValue() < 1e-12 && Math.sqrt(numNorm) < 1e-8) {
            return false;
        }
        double scale = Math.sqrt(numNorm) + Math.sqrt(exactNorm);
        assertThat(scale).as(what + " sampled entries not all zero").isGreaterThan(1e-10);
        assertThat(Math.sqrt(diff) / scale).as(what + " relative error").isLessThan(1e-6);
        return true;
    }

    /** Mean |values| of an array. */
    static double meanAbs(INDArray a) {
        return a.norm1Number().doubleValue() / a.length();
    }

    static INDArray gaussian(int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, DataType.DOUBLE);
    }
}
