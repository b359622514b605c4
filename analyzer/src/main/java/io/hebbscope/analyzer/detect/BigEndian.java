package io.hebbscope.analyzer.detect;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Whole arrays in the byte layout of {@link java.io.DataOutput#writeFloat} / {@code writeDouble}, in one
 * pass: element-wise DataOutputStream calls on the detector windows cost more than the detectors themselves.
 * The windows hold only finite values and the canonical NaN, so raw and canonical bits agree.
 */
final class BigEndian {
    private static final VarHandle FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle DOUBLE = MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.BIG_ENDIAN);

    private BigEndian() {}

    static void put(float[] values, byte[] into, int at) {
        for (int i = 0; i < values.length; i++) {
            FLOAT.set(into, at + i * Float.BYTES, values[i]);
        }
    }

    static void put(double[] values, byte[] into, int at) {
        for (int i = 0; i < values.length; i++) {
            DOUBLE.set(into, at + i * Double.BYTES, values[i]);
        }
    }

    static void floats(byte[] in, float[] into) {
        for (int i = 0; i < into.length; i++) {
            into[i] = (float) FLOAT.get(in, i * Float.BYTES);
        }
    }

    static void doubles(byte[] in, double[] into) {
        for (int i = 0; i < into.length; i++) {
            into[i] = (double) DOUBLE.get(in, i * Double.BYTES);
        }
    }
}
