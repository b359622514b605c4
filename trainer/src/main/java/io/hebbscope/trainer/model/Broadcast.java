package io.hebbscope.trainer.model;

import java.lang.ref.Reference;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.BroadcastOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A matrix combined with a row or column vector, in place of ND4J's {@code addiRowVector} and its kin, which can
 * crash the JVM.
 *
 * <p>ND4J 1.0.0-M2.1 keeps a broadcast's axis in a small native buffer that only the op object references; its
 * executor reads the buffer's handle and makes the native call without touching the op again, so once compiled the
 * op is garbage during the call. A collection at that moment (any thread's allocation can start one) lets ND4J's
 * deallocator thread free the buffer while libnd4j reads it: SIGSEGV in {@code sd::TadDescriptor} or
 * {@code sd::DataBuffer::primary()} under {@code Nd4jCpu.execBroadcast}. A row broadcast beside a thread that
 * churns the heap crashed within 4-11 s every time (docs/performance.md, "A crash inside ND4J"). Here the op stays
 * reachable until the call returns. Reductions use their op after the call and are not affected.
 */
public final class Broadcast {
    private Broadcast() {}

    /** x += row on every row of x; returns x. */
    public static INDArray addiRow(INDArray x, INDArray row) {
        return exec(new BroadcastAddOp(x, row(x, row), x, 1));
    }

    /** x -= row on every row of x; returns x. */
    public static INDArray subiRow(INDArray x, INDArray row) {
        return exec(new BroadcastSubOp(x, row(x, row), x, 1));
    }

    /** x *= row on every row of x; returns x. */
    public static INDArray muliRow(INDArray x, INDArray row) {
        return exec(new BroadcastMulOp(x, row(x, row), x, 1));
    }

    /** A new array: x - row on every row. */
    public static INDArray subRow(INDArray x, INDArray row) {
        return exec(new BroadcastSubOp(x, row(x, row), result(x), 1));
    }

    /** A new array: x * row on every row. */
    public static INDArray mulRow(INDArray x, INDArray row) {
        return exec(new BroadcastMulOp(x, row(x, row), result(x), 1));
    }

    /** x += column on every column of x; returns x. */
    public static INDArray addiColumn(INDArray x, INDArray column) {
        return exec(new BroadcastAddOp(x, column(x, column), x, 0));
    }

    /** x -= column on every column of x; returns x. */
    public static INDArray subiColumn(INDArray x, INDArray column) {
        return exec(new BroadcastSubOp(x, column(x, column), x, 0));
    }

    /** x *= column on every column of x; returns x. */
    public static INDArray muliColumn(INDArray x, INDArray column) {
        return exec(new BroadcastMulOp(x, column(x, column), x, 0));
    }

    /** A new array: x - column on every column. */
    public static INDArray subColumn(INDArray x, INDArray column) {
        return exec(new BroadcastSubOp(x, column(x, column), result(x), 0));
    }

    /** A new array: x * column on every column. */
    public static INDArray mulColumn(INDArray x, INDArray column) {
        return exec(new BroadcastMulOp(x, column(x, column), result(x), 0));
    }

    /** {@code row} checked against x: a vector of x's width, shape (n) or (1, n). */
    private static INDArray row(INDArray x, INDArray row) {
        if (x.rank() != 2 || !(row.rank() == 1 || row.rank() == 2 && row.size(0) == 1) || row.length() != x.size(1)) {
            throw new IllegalArgumentException("a row vector of " + (x.rank() == 2 ? x.size(1) : "?")
                + " values is needed for a matrix of shape " + Arrays.toString(x.shape()) + ", not shape "
                + Arrays.toString(row.shape()));
        }
        return row;
    }

    /** {@code column} checked against x, shape (m) or (m, 1), as the rank-1 vector libnd4j broadcasts along axis 0. */
    private static INDArray column(INDArray x, INDArray column) {
        if (x.rank() != 2 || !(column.rank() == 1 || column.rank() == 2 && column.size(1) == 1)
                || column.length() != x.size(0)) {
            throw new IllegalArgumentException("a column vector of " + (x.rank() == 2 ? x.size(0) : "?")
                + " values is needed for a matrix of shape " + Arrays.toString(x.shape()) + ", not shape "
                + Arrays.toString(column.shape()));
        }
        return column.rank() == 1 ? column : column.reshape(column.length());
    }

    /** The copying forms' output: c order in the current workspace, as ND4J's own {@code dup()} gives. */
    private static INDArray result(INDArray x) {
        return Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
    }

    private static INDArray exec(BroadcastOp op) {
        try {
            return Nd4j.getExecutioner().exec(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }
}
