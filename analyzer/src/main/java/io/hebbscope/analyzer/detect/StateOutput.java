package io.hebbscope.analyzer.detect;

import java.io.ByteArrayOutputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * The DataOutput a layer's detector state is written to, every step: a buffer reused by the stream thread, into
 * which values and whole float and double arrays go directly in {@link DataOutput}'s byte layout. Writing the
 * ~50 KB state through a fresh stream and a temporary array per step was an eighth of the stream thread's time; then
 * a DataOutputStream over a ByteArrayOutputStream still took a lock per value and per byte of an int (a tenth of
 * the detectors' time went to {@code writeDouble}, {@code writeInt} and {@code writeByte}).
 */
final class StateOutput implements DataOutput, AutoCloseable {
    private static final ThreadLocal<StateOutput> REUSED = ThreadLocal.withInitial(() -> new StateOutput(64 * 1024));
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private byte[] buf;
    private int count;

    private StateOutput(int size) {
        buf = new byte[size];
    }

    /** An empty output on this thread's buffer; valid until the thread's next call. */
    static StateOutput reused() {
        StateOutput out = REUSED.get();
        out.count = 0;
        return out;
    }

    /** The bytes written, as a new array. */
    byte[] toByteArray() {
        return Arrays.copyOf(buf, count);
    }

    /** Same bytes as writeFloat for each value (the values are finite or the canonical NaN). */
    void writeFloats(float[] values) {
        int at = reserve(values.length * Float.BYTES);
        BigEndian.put(values, buf, at);
    }

    /** Same bytes as writeDouble for each value (finite or the canonical NaN). */
    void writeDoubles(double[] values) {
        int at = reserve(values.length * Double.BYTES);
        BigEndian.put(values, buf, at);
    }

    @Override
    public void write(int b) {
        int at = reserve(1); // before reading buf, which reserve may replace
        buf[at] = (byte) b;
    }

    @Override
    public void write(byte[] b) {
        write(b, 0, b.length);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length); // before reserve counts the bytes as written
        int at = reserve(len);
        System.arraycopy(b, off, buf, at, len);
    }

    @Override
    public void writeBoolean(boolean v) {
        write(v ? 1 : 0);
    }

    @Override
    public void writeByte(int v) {
        write(v);
    }

    @Override
    public void writeShort(int v) {
        int at = reserve(Short.BYTES);
        SHORT.set(buf, at, (short) v);
    }

    @Override
    public void writeChar(int v) {
        writeShort(v);
    }

    @Override
    public void writeInt(int v) {
        int at = reserve(Integer.BYTES);
        INT.set(buf, at, v);
    }

    @Override
    public void writeLong(long v) {
        int at = reserve(Long.BYTES);
        LONG.set(buf, at, v);
    }

    @Override
    public void writeFloat(float v) {
        writeInt(Float.floatToIntBits(v));
    }

    @Override
    public void writeDouble(double v) {
        writeLong(Double.doubleToLongBits(v));
    }

    @Override
    public void writeBytes(String s) {
        for (int i = 0; i < s.length(); i++) {
            write(s.charAt(i));
        }
    }

    @Override
    public void writeChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            writeChar(s.charAt(i));
        }
    }

    /** Modified UTF-8 as DataOutputStream writes it (rare here: no detector writes text today). */
    @Override
    public void writeUTF(String s) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(s);
        }
        write(bytes.toByteArray());
    }

    void flush() {
        // nothing buffered beyond the array
    }

    @Override
    public void close() {
        // the buffer stays with the thread
    }

    /** Grows the buffer for n more bytes, counts them as written and returns where they start. */
    private int reserve(int n) {
        if (count + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(2 * buf.length, count + n));
        }
        int at = count;
        count += n;
        return at;
    }
}
