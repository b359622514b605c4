package io.hebbscope.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TensorCodecTest {

    /** Property: any shape and values (over many seeded random cases) round-trip exactly. */
    @Test
    void float32RoundTripsExactly() {
        Random r = new Random(11);
        for (int trial = 0; trial < 300; trial++) {
            int rows = r.nextInt(10);
            int cols = r.nextInt(10);
            float[] values = randomFloats(rows * cols, r.nextLong());
            Tensor t = TensorCodec.encode(values, rows, cols);
            assertThat(t.getBytes().remaining()).isEqualTo(rows * cols * 4);
            assertThat(TensorCodec.decodeFloats(t)).containsExactly(values);
        }
    }

    @Test
    void aBlockOfRowsEncodesWithoutACopy() {
        float[] values = randomFloats(12, 3);
        Tensor middle = TensorCodec.encode(values, 4, 2, 4, DType.FLOAT32);
        assertThat(TensorCodec.decodeFloats(middle)).containsExactly(java.util.Arrays.copyOfRange(values, 4, 12));
    }

    @Test
    void writingIntoAReusedArrayGivesATensorsBytes() {
        float[] values = randomFloats(40, 5);
        byte[] reused = new byte[40 * 8 + 3];
        for (DType dtype : DType.values()) {
            int length = TensorCodec.writeLittleEndian(values, 8, 24, dtype, reused);
            Tensor t = TensorCodec.encode(values, 8, 4, 6, dtype);
            byte[] expected = new byte[t.getBytes().remaining()];
            t.getBytes().duplicate().get(expected);
            assertThat(java.util.Arrays.copyOf(reused, length)).as(dtype.toString()).isEqualTo(expected);
        }
        assertThatThrownBy(() -> TensorCodec.writeLittleEndian(values, 8, 24, DType.FLOAT32, new byte[95]))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bfloat16KeepsThreeSignificantDigits() {
        Random r = new Random(12);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + r.nextInt(64);
            float[] values = randomFloats(n, r.nextLong());
            float[] back = TensorCodec.decodeFloats(TensorCodec.encode(values, n, 1, DType.BFLOAT16));
            for (int i = 0; i < n; i++) {
                assertThat((double) back[i]).isCloseTo(values[i], org.assertj.core.data.Offset.offset(Math.abs(values[i]) / 128 + 1e-30));
            }
        }
    }

    @Test
    void float64RoundTripsExactly() {
        Random r = new Random(13);
        for (int trial = 0; trial < 100; trial++) {
            double[] values = r.doubles(r.nextInt(17)).toArray();
            assertThat(TensorCodec.decodeDoubles(TensorCodec.encodeDoubles(values, values.length, 1))).containsExactly(values);
        }
    }

    @Test
    void valuesAreLittleEndianRowMajor() {
        Tensor t = TensorCodec.encode(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 2, 3);
        byte[] b = new byte[t.getBytes().remaining()];
        t.getBytes().duplicate().get(b);
        // 1.0f = 0x3F800000, little-endian: 00 00 80 3F
        assertThat(b).startsWith((byte) 0, (byte) 0, (byte) 0x80, (byte) 0x3F);
        assertThat(TensorCodec.decodeFloats(t)[5]).isEqualTo(6f);
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        assertThat(TensorCodec.fromBfloat16(TensorCodec.toBfloat16(1.0f))).isEqualTo(1.0f);
        assertThat(TensorCodec.fromBfloat16(TensorCodec.toBfloat16(-2.5f))).isEqualTo(-2.5f);
        assertThat(Float.isNaN(TensorCodec.fromBfloat16(TensorCodec.toBfloat16(Float.NaN)))).isTrue();
        assertThat(TensorCodec.fromBfloat16(TensorCodec.toBfloat16(Float.POSITIVE_INFINITY))).isInfinite();
    }

    @Test
    void wrongByteLengthIsMalformed() {
        Tensor t = new Tensor(DType.FLOAT32, 2, 2, ByteBuffer.wrap(new byte[15]));
        assertThatThrownBy(() -> TensorCodec.decodeFloats(t))
            .isInstanceOf(MalformedEventException.class)
            .hasMessageContaining("needs 16 bytes but has 15");
        Tensor negative = new Tensor(DType.FLOAT32, -1, 2, ByteBuffer.wrap(new byte[0]));
        assertThatThrownBy(() -> TensorCodec.decodeDoubles(negative)).isInstanceOf(MalformedEventException.class);
    }

    static float[] randomFloats(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4));
        }
        return v;
    }
}
