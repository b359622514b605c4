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

    static byte[] bytes(float[] values) {
        byte[] out = new byte[values.length * Float.BYTES];
        for (int i = 0; i < values.length; i++) {
            FLOAT.set(out, i * Float.BYTES, values[i]);
        }
        return out;
    }

    static byte[] bytes(double[] values) {
        byte[] out = new byte[values.length * Double.BYTES];
        for (int i = 0; i < values.length; i++) {
            DOUBLE.set(out, i * Double.BYTES, values[i]);
        }
        return out;
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
