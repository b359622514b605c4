package io.hebbscope.analyzer.detect;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.Arrays;

/**
 * The DataOutput a layer's detector state is written to, every step: a buffer reused by the stream thread, into
 * which whole float and double arrays are written directly in {@link java.io.DataOutput}'s byte layout. Writing the
 * ~50 KB state through a fresh stream and a temporary array per step was an eighth of the stream thread's time.
 */
final class StateOutput extends DataOutputStream {
    private static final ThreadLocal<Bytes> REUSED = ThreadLocal.withInitial(() -> new Bytes(64 * 1024));

    private final Bytes bytes;

    private StateOutput(Bytes bytes) {
        super(bytes);
        this.bytes = bytes;
    }

    /** An empty output on this thread's buffer; valid until the thread's next call. */
    static StateOutput reused() {
        Bytes b = REUSED.get();
        b.reset();
        return new StateOutput(b);
    }

    /** The bytes written, as a new array. */
    byte[] toByteArray() {
        return bytes.toByteArray();
    }

    /** Same bytes as writeFloat for each value (the values are finite or the canonical NaN). */
    void writeFloats(float[] values) {
        int at = bytes.reserve(values.length * Float.BYTES);
        BigEndian.put(values, bytes.array(), at);
    }

    /** Same bytes as writeDouble for each value (finite or the canonical NaN). */
    void writeDoubles(double[] values) {
        int at = bytes.reserve(values.length * Double.BYTES);
        BigEndian.put(values, bytes.array(), at);
    }

    private static final class Bytes extends ByteArrayOutputStream {
        Bytes(int size) {
            super(size);
        }

        /** Grows the buffer for n more bytes, counts them as written and returns where they start. */
        int reserve(int n) {
            if (count + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(2 * buf.length, count + n));
            }
            int at = count;
            count += n;
            return at;
        }

        byte[] array() {
            return buf;
        }
    }
}
