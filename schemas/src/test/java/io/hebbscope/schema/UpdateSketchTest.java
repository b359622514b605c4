package io.hebbscope.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UpdateSketchTest {

    private static float[] values(Random r, int n) {
        float[] u = new float[n];
        for (int i = 0; i < u.length; i++) {
            u[i] = switch (r.nextInt(6)) {
                case 0 -> 0f;
                case 1 -> -0f;
                case 2 -> (float) (r.nextGaussian() * 1e30);
                case 3 -> Float.MIN_VALUE * (r.nextBoolean() ? 1 : -1);
                default -> (float) (r.nextGaussian() * 1e-3);
            };
        }
        return u;
    }

    @Test
    void theLookupFormIsBitForBitTheDefinition() {
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int rows = 1 + r.nextInt(20);
            int cols = 1 + r.nextInt(40);
            int offset = r.nextInt(1000);
            float[] u = values(r, rows * cols);
            double[] fast = UpdateSketch.of(u, offset, rows, cols);
            double[] reference = UpdateSketch.ofByBranches(u, offset, rows, cols);
            for (int k = 0; k < UpdateSketch.SIZE; k++) {
                assertThat(Double.doubleToRawLongBits(fast[k])).as("trial %d, k %d", trial, k)
                    .isEqualTo(Double.doubleToRawLongBits(reference[k]));
            }
        }
    }

    /**
     * The histogram form adds the same float64 terms in another order: each s_k may differ from the definition by at
     * most (n + 256) * 2^-53 * sum |v| (the bound of any order of float64 summation), here checked with that bound.
     */
    @Test
    void theHistogramFormIsTheDefinitionUpToFloat64Rounding() {
        Random r = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            int rows = 1 + r.nextInt(20);
            int cols = 1 + r.nextInt(40);
            int rowOffset = r.nextInt(1000);
            float[] u = trial % 2 == 0 ? values(r, rows * cols) : gaussian(r, rows * cols);
            double[] reference = UpdateSketch.ofByBranches(u, rowOffset, rows, cols);
            double[] fast = UpdateSketch.byHistogram(FloatBuffer.wrap(u), 0, rowOffset, rows, cols);
            double abs = 0;
            for (float v : u) {
                abs += Math.abs(v);
            }
            double bound = (rows * cols + 256) * 0x1p-53 * abs;
            for (int k = 0; k < UpdateSketch.SIZE; k++) {
                assertThat(Math.abs(fast[k] - reference[k])).as("trial %d, k %d", trial, k).isLessThanOrEqualTo(bound);
            }
        }
    }

    @Test
    void blocksAccumulatedIntoOneHistogramGiveTheLayersSketchFromADirectBuffer() {
        Random r = new Random(3);
        int rows = 37;
        int cols = 53;
        float[] u = gaussian(r, rows * cols);
        FloatBuffer direct = ByteBuffer.allocateDirect(u.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        direct.put(u).flip();
        double[] bins = new double[UpdateSketch.BINS];
        // rows 20.. first, then rows 0..19: any order
        UpdateSketch.accumulate(direct, 20 * cols, 17 * cols, 20L * cols, bins);
        UpdateSketch.accumulate(direct, 0, 20 * cols, 0, bins);
        double[] whole = UpdateSketch.fold(bins);
        double[] reference = UpdateSketch.ofByBranches(u, 0, rows, cols);
        double[] top = UpdateSketch.byHistogram(direct, 0, 0, 20, cols);
        double[] bottom = UpdateSketch.byHistogram(direct, 20 * cols, 20, 17, cols);
        for (int k = 0; k < UpdateSketch.SIZE; k++) {
            assertThat(whole[k]).isCloseTo(reference[k], org.assertj.core.api.Assertions.within(1e-12));
            assertThat(top[k] + bottom[k]).isCloseTo(reference[k], org.assertj.core.api.Assertions.within(1e-12));
        }
        assertThat(UpdateSketch.norm(reference)).isPositive();
    }

    private static float[] gaussian(Random r, int n) {
        float[] u = new float[n];
        for (int i = 0; i < n; i++) {
            u[i] = (float) r.nextGaussian();
        }
        return u;
    }
}
