package io.hebbscope.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class TensorCodecTest {

    @Property(tries = 200)
    void float32RoundTripsExactly(@ForAll @IntRange(min = 0, max = 9) int rows, @ForAll @IntRange(min = 0, max = 9) int cols,
                                  @ForAll long seed) {
        float[] values = randomFloats(rows * cols, seed);
        Tensor t = TensorCodec.encode(values, rows, cols);
        assertThat(t.getBytes().remaining()).isEqualTo(rows * cols * 4);
        assertThat(TensorCodec.decodeFloats(t)).containsExactly(values);
    }

    @Property(tries = 200)
    void bfloat16KeepsThreeSignificantDigits(@ForAll @IntRange(min = 1, max = 64) int n, @ForAll long seed) {
        float[] values = randomFloats(n, seed);
        float[] back = TensorCodec.decodeFloats(TensorCodec.encode(values, n, 1, DType.BFLOAT16));
        for (int i = 0; i < n; i++) {
            assertThat((double) back[i]).isCloseTo(values[i], org.assertj.core.data.Offset.offset(Math.abs(values[i]) / 128 + 1e-30));
        }
    }

    @Property(tries = 100)
    void float64RoundTripsExactly(@ForAll @IntRange(min = 0, max = 16) int n, @ForAll long seed) {
        java.util.Random r = new java.util.Random(seed);
        double[] values = r.doubles(n).toArray();
        assertThat(TensorCodec.decodeDoubles(TensorCodec.encodeDoubles(values, n, 1))).containsExactly(values);
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
