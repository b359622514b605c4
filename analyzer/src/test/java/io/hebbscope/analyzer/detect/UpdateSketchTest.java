package io.hebbscope.analyzer.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class UpdateSketchTest {

    @Test
    void theFastSketchIsBitForBitTheBranchingDefinition() {
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int rows = 1 + r.nextInt(20);
            int cols = 1 + r.nextInt(40);
            int offset = r.nextInt(1000);
            float[] u = new float[rows * cols];
            for (int i = 0; i < u.length; i++) {
                u[i] = switch (r.nextInt(6)) {
                    case 0 -> 0f;
                    case 1 -> -0f;
                    case 2 -> (float) (r.nextGaussian() * 1e30);
                    case 3 -> Float.MIN_VALUE * (r.nextBoolean() ? 1 : -1);
                    default -> (float) (r.nextGaussian() * 1e-3);
                };
            }
            double[] fast = UpdateSketch.of(u, offset, rows, cols);
            double[] reference = UpdateSketch.ofByBranches(u, offset, rows, cols);
            for (int k = 0; k < UpdateSketch.SIZE; k++) {
                assertThat(Double.doubleToRawLongBits(fast[k])).as("trial %d, k %d", trial, k)
                    .isEqualTo(Double.doubleToRawLongBits(reference[k]));
            }
        }
    }
}
