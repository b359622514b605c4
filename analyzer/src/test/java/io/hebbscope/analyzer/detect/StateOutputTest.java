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
