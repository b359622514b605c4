package io.hebbscope.analyzer.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StateOutputTest {
    @Test
    void arraysAreWrittenInDataOutputsLayoutBetweenOtherWritesAndBeyondTheInitialBuffer() throws IOException {
        Random r = new Random(3);
        for (int size : new int[] {0, 1, 7, 20_000, 40_000}) { // 40,000 floats and doubles outgrow the 64 KiB buffer
            float[] floats = new float[size];
            double[] doubles = new double[size / 2];
            for (int i = 0; i < floats.length; i++) {
                floats[i] = i % 11 == 0 ? Float.NaN : (float) r.nextGaussian();
            }
            for (int i = 0; i < doubles.length; i++) {
                doubles[i] = i % 13 == 0 ? Double.NaN : r.nextGaussian() * 1e-30;
            }
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(expected)) {
                out.writeInt(size);
                for (float f : floats) {
                    out.writeFloat(f);
                }
                out.writeLong(-5);
                for (double d : doubles) {
                    out.writeDouble(d);
                }
                out.writeInt(9);
            }
            byte[] actual;
            try (StateOutput out = StateOutput.reused()) {
                out.writeInt(size);
                out.writeFloats(floats);
                out.writeLong(-5);
                out.writeDoubles(doubles);
                out.writeInt(9);
                actual = out.toByteArray();
            }
            assertThat(actual).as("size %d", size).isEqualTo(expected.toByteArray());
        }
    }

    @Test
    void everyValueIsWrittenAsDataOutputStreamWritesIt() throws IOException {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        byte[] actual;
        try (DataOutputStream reference = new DataOutputStream(expected); StateOutput out = StateOutput.reused()) {
            for (java.io.DataOutput o : new java.io.DataOutput[] {reference, out}) {
                Random values = new Random(9); // the same values for both
                for (int i = 0; i < 40_000; i++) { // 1.2 MB: past the buffer, however far other tests grew it
                    o.writeBoolean(values.nextBoolean());
                    o.writeByte(values.nextInt());
                    o.writeShort(values.nextInt());
                    o.writeChar(values.nextInt());
                    o.writeInt(values.nextInt());
                    o.writeLong(values.nextLong());
                    // non-canonical NaNs: DataOutput writes the canonical one
                o.writeFloat(i % 7 == 0 ? Float.intBitsToFloat(0x7fc00001) : (float) values.nextGaussian());
                    o.writeDouble(i % 5 == 0 ? Double.longBitsToDouble(0x7ff8000000000001L) : values.nextGaussian());
                    o.write(values.nextInt());
                }
                o.write(new byte[] {1, 2, 3, 4}, 1, 2);
                o.writeBytes("bytes é");
                o.writeChars("chars é");
                o.writeUTF("utf \u0000 é \uD83D\uDE00");
            }
            actual = out.toByteArray();
        }
        assertThat(actual).isEqualTo(expected.toByteArray());
    }

    @Test
    void eachStateIsItsOwnArrayAlthoughTheBufferIsReused() throws IOException {
        byte[] first;
        try (StateOutput out = StateOutput.reused()) {
            out.writeFloats(new float[] {1, 2});
            first = out.toByteArray();
        }
        try (StateOutput out = StateOutput.reused()) {
            out.writeFloats(new float[] {3});
            assertThat(out.toByteArray()).hasSize(4);
        }
        assertThat(first).hasSize(8);
        assertThat(java.nio.ByteBuffer.wrap(first).getFloat(4)).isEqualTo(2f);
    }
}
