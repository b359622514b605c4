package io.hebbscope.schema;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Packs matrices into {@link Tensor} records and back: row-major, little-endian. Decoding validates
 * the byte length against the declared shape, so a truncated or mislabelled tensor never yields values.
 */
public final class TensorCodec {
    static {
        AvroTrust.ensure();
    }

    private TensorCodec() {}

    public static int bytesPerValue(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> 4;
            case BFLOAT16 -> 2;
            case FLOAT64 -> 8;
        };
    }

    /** Encodes {@code values} (rows x cols, row-major) in {@code dtype}. */
    public static Tensor encode(float[] values, int rows, int cols, DType dtype) {
        return encode(values, 0, rows, cols, dtype);
    }

    /** Encodes rows x cols values of {@code values} starting at {@code offset}: a block of rows without a copy. */
    public static Tensor encode(float[] values, int offset, int rows, int cols, DType dtype) {
        checkShape(values.length - offset, rows, cols);
        byte[] bytes = new byte[rows * cols * bytesPerValue(dtype)];
        writeLittleEndian(values, offset, rows * cols, dtype, bytes);
        return new Tensor(dtype, rows, cols, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
    }

    /**
     * Writes {@code n} values of {@code values} from {@code offset} into {@code into} as a Tensor's bytes (little-endian
     * {@code dtype}), so a caller can reuse one array per tensor; returns the number of bytes written.
     */
    public static int writeLittleEndian(float[] values, int offset, int n, DType dtype, byte[] into) {
        int length = n * bytesPerValue(dtype);
        if (offset < 0 || n < 0 || offset + n > values.length || length > into.length) {
            throw new IllegalArgumentException(n + " values from " + offset + " of " + values.length + " do not fit "
                + into.length + " bytes as " + dtype);
        }
        ByteBuffer buf = ByteBuffer.wrap(into, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case FLOAT32 -> buf.asFloatBuffer().put(values, offset, n); // one bulk copy, no per-value call
            case BFLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    buf.putShort(toBfloat16(values[offset + i]));
                }
            }
            case FLOAT64 -> {
                for (int i = 0; i < n; i++) {
                    buf.putDouble(values[offset + i]);
                }
            }
        }
        return length;
    }

    public static Tensor encode(float[] values, int rows, int cols) {
        return encode(values, rows, cols, DType.FLOAT32);
    }

    /** Encodes {@code values} (rows x cols, row-major) as FLOAT64. */
    public static Tensor encodeDoubles(double[] values, int rows, int cols) {
        checkShape(values.length, rows, cols);
        ByteBuffer buf = ByteBuffer.allocate(rows * cols * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asDoubleBuffer().put(values, 0, rows * cols);
        return new Tensor(DType.FLOAT64, rows, cols, rewound(buf));
    }

    /** Decodes any dtype to float (FLOAT64 is narrowed). */
    public static float[] decodeFloats(Tensor t) {
        float[] out = new float[checkedLength(t)];
        ByteBuffer buf = littleEndian(t);
        switch (t.getDtype()) {
            case FLOAT32 -> buf.asFloatBuffer().get(out);
            case BFLOAT16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = fromBfloat16(buf.getShort());
                }
            }
            case FLOAT64 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) buf.getDouble();
                }
            }
        }
        return out;
    }

    /**
     * The same into {@code into} when it has exactly the tensor's length (a caller's reused buffer), else into a new
     * array; returns the array written.
     */
    public static float[] decodeFloats(Tensor t, float[] into) {
        int n = checkedLength(t);
        if (into == null || into.length != n) {
            return decodeFloats(t);
        }
        if (t.getDtype() == DType.FLOAT32) {
            littleEndian(t).asFloatBuffer().get(into);
            return into;
        }
        float[] decoded = decodeFloats(t);
        System.arraycopy(decoded, 0, into, 0, n);
        return into;
    }

    /** Decodes any dtype to double. */
    public static double[] decodeDoubles(Tensor t) {
        double[] out = new double[checkedLength(t)];
        ByteBuffer buf = littleEndian(t);
        switch (t.getDtype()) {
            case FLOAT32 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = buf.getFloat();
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = fromBfloat16(buf.getShort());
                }
            }
            case FLOAT64 -> buf.asDoubleBuffer().get(out);
        }
        return out;
    }

    /** Round to nearest even on the dropped 16 bits; NaN stays NaN. */
    static short toBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    static float fromBfloat16(short s) {
        return Float.intBitsToFloat((s & 0xFFFF) << 16);
    }

    private static int checkedLength(Tensor t) {
        if (t.getRows() < 0 || t.getCols() < 0) {
            throw new MalformedEventException("tensor has a negative shape " + t.getRows() + "x" + t.getCols());
        }
        long n = (long) t.getRows() * t.getCols();
        long expected = n * bytesPerValue(t.getDtype());
        int actual = t.getBytes().remaining();
        if (expected != actual) {
            throw new MalformedEventException("tensor " + t.getRows() + "x" + t.getCols() + " " + t.getDtype()
                + " needs " + expected + " bytes but has " + actual);
        }
        return (int) n;
    }

    private static ByteBuffer littleEndian(Tensor t) {
        return t.getBytes().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer rewound(ByteBuffer buf) {
        buf.rewind();
        return buf;
    }

    private static void checkShape(int length, int rows, int cols) {
        if (length < 0 || rows < 0 || cols < 0 || (long) rows * cols > length) {
            throw new IllegalArgumentException("shape " + rows + "x" + cols + " does not fit " + length + " values");
        }
    }
}
