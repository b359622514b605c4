package io.hebbscope.trainer.probe;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.floating.SquaredNorm;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The per-neuron sufficient statistics of a layer's terms, what the analyzer reduces a LayerStep's tensors to: for
 * every neuron row i, {@code <-dL/dW_i, H_i>, |dL/dW_i|^2, <g_i, H_i>, |g_i|^2, <U_i, H_i>, |U_i|^2, |H_i|^2}. They are
 * computed with row-wise reductions (ND4J's reduce3 dot and squared norm along the rows, no temporary matrices) on the
 * terms' own backend, in the model's data type; only {@code 7 x rows} numbers leave it.
 */
public final class NeuronStatistics {
    /** Columns, in the order of LayerStats.sums and the analyzer's RowSums. */
    public static final int WIDTH = 7;

    private NeuronStatistics() {}

    /**
     * {@code 7 x rows} in the terms' data type (scratch in the current workspace): row c holds column c of the
     * statistics for every neuron. With {@code signal == null} (SGD), g = -dL/dW and rows 2-3 repeat rows 0-1.
     */
    public static INDArray sums(LayerTerms terms) {
        INDArray gradient = terms.gradient();
        INDArray hebbian = terms.hebbian();
        INDArray update = terms.update();
        INDArray signal = terms.signal();
        long rows = gradient.size(0);
        INDArray out = Nd4j.createUninitialized(gradient.dataType(), WIDTH, rows);
        dot(gradient, hebbian, out.getRow(0));
        out.getRow(0).negi(); // <-x, h> = -<x, h> exactly
        squaredNorms(gradient, out.getRow(1));
        if (signal == null) {
            out.getRow(2).assign(out.getRow(0));
            out.getRow(3).assign(out.getRow(1));
        } else {
            dot(signal, hebbian, out.getRow(2));
            squaredNorms(signal, out.getRow(3));
        }
        dot(update, hebbian, out.getRow(4));
        squaredNorms(update, out.getRow(5));
        squaredNorms(hebbian, out.getRow(6));
        return out;
    }

    /**
     * Unit roundoff of arithmetic in {@code type}: a row of n products summed in any order differs from the exact sum
     * by at most about {@code (n + 2) * roundoff * sum |x_j h_j|} (the analyzer's tolerance when it checks these sums
     * against the tensors).
     */
    public static double roundoff(DataType type) {
        return switch (type) {
            case DOUBLE -> 0x1p-53;
            case FLOAT -> 0x1p-24;
            case HALF -> 0x1p-11;
            case BFLOAT16 -> 0x1p-8;
            default -> throw new IllegalArgumentException("statistics need a floating-point type, not " + type);
        };
    }

    private static void dot(INDArray x, INDArray y, INDArray into) {
        Nd4j.getExecutioner().exec(new Dot(x, y, into, 1));
    }

    private static void squaredNorms(INDArray x, INDArray into) {
        Nd4j.getExecutioner().exec(new SquaredNorm(x, into, 1));
    }
}
