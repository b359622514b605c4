package io.hebbscope.analyzer.alignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AlignmentTest {

    @Test
    void handComputedCosines() {
        // x = (1, 0), h = (1, 1): cos = 1/sqrt(2)
        assertThat(Alignment.cosine(new float[] {1, 0}, new float[] {1, 1}, 1)).isCloseTo(Math.sqrt(0.5), within(1e-12));
        // sign flips the direction: -x against h
        assertThat(Alignment.cosine(new float[] {1, 0}, new float[] {1, 1}, -1)).isCloseTo(-Math.sqrt(0.5), within(1e-12));
        // x = (3, 4), h = (4, -3): orthogonal
        assertThat(Alignment.cosine(new float[] {3, 4}, new float[] {4, -3}, 1)).isCloseTo(0.0, within(1e-12));
        // dot = 2*1 + 1*2 = 4, |x|^2 = 5, |h|^2 = 5: cos = 0.8
        assertThat(Alignment.cosine(4, 5, 5)).isCloseTo(0.8, within(1e-12));
    }

    @Test
    void zeroNormIsUndefinedNotNaN() {
        assertThat(Alignment.cosine(new float[] {0, 0}, new float[] {1, 1}, 1)).isNull();
        assertThat(Alignment.cosine(new float[] {1, 1}, new float[] {0, 0}, 1)).isNull();
        assertThat(Alignment.cosine(0, 0, 0)).isNull();
    }

    @Test
    void rowSumsOfAHandComputedLayer() {
        // 2 neurons x 2 inputs. gradient rows (1, 0), (0, 0); hebbian rows (1, 1), (2, 0); update rows (-1, 0), (1, 0).
        float[] grad = {1, 0, 0, 0};
        float[] heb = {1, 1, 2, 0};
        float[] upd = {-1, 0, 1, 0};
        double[] sums = RowSums.of(grad, null, heb, upd, 2, 2);
        LayerStepAlignment a = new LayerStepAlignment(sums, 2);
        // neuron 0: cos(-(1,0), (1,1)) = -1/sqrt(2); neuron 1: gradient row is zero -> undefined
        assertThat(a.neuron[0][0]).isCloseTo(-Math.sqrt(0.5), within(1e-12));
        assertThat(a.defined[0][1]).isFalse();
        assertThat(a.neuron[0][1]).isZero();
        // SGD: the signal equals the negative gradient
        assertThat(a.neuron[1]).containsExactly(a.neuron[0]);
        // update: neuron 0 cos((-1,0),(1,1)) = -1/sqrt(2), neuron 1 cos((1,0),(2,0)) = 1
        assertThat(a.neuron[2][0]).isCloseTo(-Math.sqrt(0.5), within(1e-12));
        assertThat(a.neuron[2][1]).isCloseTo(1.0, within(1e-12));
        // layer: <-grad, H> = -1, |grad| = 1, |H|^2 = 6 -> -1/sqrt(6)
        assertThat(a.layer[0]).isCloseTo(-1 / Math.sqrt(6), within(1e-12));
        // layer update: <U, H> = -1 + 2 = 1, |U|^2 = 2 -> 1/sqrt(12)
        assertThat(a.layer[2]).isCloseTo(1 / Math.sqrt(12), within(1e-12));
        assertThat(a.hebbianNorm).isCloseTo(Math.sqrt(6), within(1e-12));
    }

    @Test
    void aLayerWithZeroHebbianTermIsUndefinedEverywhere() {
        LayerStepAlignment a = new LayerStepAlignment(RowSums.of(new float[] {1, 2}, null, new float[] {0, 0},
            new float[] {1, 1}, 1, 2), 1);
        assertThat(a.layer).containsOnlyNulls();
        assertThat(a.defined[0]).containsExactly(false);
    }

    /** Property over many seeded random vectors. */
    @Test
    void cosineIsBoundedScaleInvariantAndOneOnItself() {
        java.util.Random r = new java.util.Random(21);
        for (int trial = 0; trial < 300; trial++) {
            cosineProperties(r, 1 + r.nextInt(50));
        }
    }

    private static void cosineProperties(java.util.Random r, int n) {
        float[] x = new float[n];
        float[] y = new float[n];
        float[] x3 = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
            y[i] = (float) r.nextGaussian();
            x3[i] = 4 * x[i];
        }
        Double c = Alignment.cosine(x, y, 1);
        assertThat(c).isBetween(-1.0, 1.0);
        assertThat(Alignment.cosine(x3, y, 1)).isCloseTo(c, within(1e-9));
        assertThat(Alignment.cosine(x, x, 1)).isCloseTo(1.0, within(1e-9));
        assertThat(Alignment.cosine(x, y, -1)).isCloseTo(-c, within(1e-12));
    }

    /** The one-pass row sums are bit for bit the per-tensor definitions, with and without a learning signal. */
    @Test
    void rowSumsInOnePassEqualThePerTensorSumsBitForBit() {
        java.util.Random r = new java.util.Random(8);
        for (int trial = 0; trial < 200; trial++) {
            int rows = 1 + r.nextInt(20);
            int cols = 1 + r.nextInt(300);
            float[][] m = new float[4][rows * cols];
            for (float[] t : m) {
                double scale = Math.pow(10, r.nextInt(20) - 10);
                for (int i = 0; i < t.length; i++) {
                    t[i] = (float) (r.nextGaussian() * scale);
                }
            }
            float[] signal = trial % 2 == 0 ? null : m[1];
            double[] expected = new double[rows * RowSums.WIDTH];
            rowSums(m[0], m[2], rows, cols, -1, expected, RowSums.WIDTH, RowSums.GRADIENT);
            rowSums(signal == null ? m[0] : signal, m[2], rows, cols, signal == null ? -1 : 1, expected,
                RowSums.WIDTH, RowSums.SIGNAL);
            rowSums(m[3], m[2], rows, cols, 1, expected, RowSums.WIDTH, RowSums.UPDATE);
            rowSquaredNorms(m[2], rows, cols, expected, RowSums.WIDTH, RowSums.HEBBIAN);
            double[] actual = RowSums.of(m[0], signal, m[2], m[3], rows, cols);
            for (int i = 0; i < expected.length; i++) {
                assertThat(Double.doubleToRawLongBits(actual[i])).as("trial %d, sum %d", trial, i)
                    .isEqualTo(Double.doubleToRawLongBits(expected[i]));
            }
            assertThat(RowSums.finite(actual)).isTrue();
        }
    }

    /** A non-finite value in any tensor, at any place, makes some sum non-finite. */
    @Test
    void aNonFiniteValueAnywhereMakesTheSumsNonFinite() {
        java.util.Random r = new java.util.Random(4);
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (int trial = 0; trial < 300; trial++) {
            int rows = 1 + r.nextInt(5);
            int cols = 1 + r.nextInt(40);
            float[][] m = new float[4][rows * cols];
            for (float[] t : m) {
                for (int i = 0; i < t.length; i++) {
                    t[i] = (float) r.nextGaussian();
                }
            }
            boolean withSignal = r.nextBoolean();
            int tensor = withSignal ? r.nextInt(4) : new int[] {0, 2, 3}[r.nextInt(3)];
            m[tensor][r.nextInt(rows * cols)] = bad[r.nextInt(bad.length)];
            assertThat(RowSums.finite(RowSums.of(m[0], withSignal ? m[1] : null, m[2], m[3], rows, cols)))
                .as("trial %d, tensor %d", trial, tensor).isFalse();
        }
    }

    @Test
    void blocksAssembleToTheWholeLayer() {
        java.util.Random r = new java.util.Random(22);
        for (int trial = 0; trial < 200; trial++) {
            blocksAssemble(r, 1 + r.nextInt(12), 1 + r.nextInt(6), 1 + r.nextInt(12));
        }
    }

    private static void blocksAssemble(java.util.Random r, int rows, int cols, int split) {
        float[][] m = new float[4][rows * cols];
        for (float[] a : m) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextGaussian();
            }
        }
        double[] whole = RowSums.of(m[0], m[1], m[2], m[3], rows, cols);
        int cut = Math.min(split, rows);
        double[] top = RowSums.of(java.util.Arrays.copyOfRange(m[0], 0, cut * cols), java.util.Arrays.copyOfRange(m[1], 0, cut * cols),
            java.util.Arrays.copyOfRange(m[2], 0, cut * cols), java.util.Arrays.copyOfRange(m[3], 0, cut * cols), cut, cols);
        double[] bottom = RowSums.of(java.util.Arrays.copyOfRange(m[0], cut * cols, rows * cols),
            java.util.Arrays.copyOfRange(m[1], cut * cols, rows * cols), java.util.Arrays.copyOfRange(m[2], cut * cols, rows * cols),
            java.util.Arrays.copyOfRange(m[3], cut * cols, rows * cols), rows - cut, cols);
        double[] joined = new double[whole.length];
        System.arraycopy(top, 0, joined, 0, top.length);
        System.arraycopy(bottom, 0, joined, top.length, bottom.length);
        assertThat(joined).containsExactly(whole);
        LayerStepAlignment a = new LayerStepAlignment(whole, rows);
        assertThat(a.layer[1]).isCloseTo(Alignment.cosine(m[1], m[2], 1), within(1e-9));
        assertThat(a.layer[0]).isCloseTo(Alignment.cosine(m[0], m[2], -1), within(1e-9));
    }

    @Test
    void ewmaStartsAtTheFirstValueAndSkipsUndefined() {
        assertThat(Ewma.update(null, 0.5, 0.1)).isEqualTo(0.5);
        assertThat(Ewma.update(0.5, null, 0.1)).isEqualTo(0.5);
        assertThat(Ewma.update(0.5, 1.0, 0.1)).isCloseTo(0.55, within(1e-12));
        double[] state = {Double.NaN, 1.0};
        Ewma.update(state, new double[] {0.2, 0.0}, new boolean[] {true, false}, 0.5);
        assertThat(state).containsExactly(0.2, 1.0);
        Ewma.update(state, new double[] {0.4, 0.0}, new boolean[] {true, true}, 0.5);
        assertThat(state[0]).isCloseTo(0.3, within(1e-12));
        assertThat(state[1]).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void spreadAndRoles() {
        Spread s = Spread.of(new double[] {-1, 0, 1, 0.5, 99}, new boolean[] {true, true, true, true, false});
        assertThat(s.count()).isEqualTo(4);
        assertThat(s.mean()).isCloseTo(0.125, within(1e-12));
        assertThat(s.p50()).isCloseTo(0.25, within(1e-12));
        // p10 at position 0.3 between -1 and 0
        assertThat(s.p10()).isCloseTo(-0.7, within(1e-12));
        assertThat(Spread.of(new double[] {1}, new boolean[] {false})).isNull();
        assertThat(Roles.of(new double[] {0.5, -0.5, 0.05, Double.NaN, 0.1}, 0.1))
            .isEqualTo(new Roles(1, 1, 2, 1));
    }

    /**
     * The definition RowSums is held to, one tensor at a time: per-row sums of {@code sign * x} against {@code h}
     * (both rows x cols, row-major); writes dot into {@code out[r*stride + col]} and |x_r|^2 into {@code out[r*stride + col + 1]}.
     */
    private static void rowSums(float[] x, float[] h, int rows, int cols, int sign, double[] out, int stride, int col) {
        for (int r = 0; r < rows; r++) {
            double dot = 0;
            double xx = 0;
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                double xv = x[base + c];
                dot += xv * h[base + c];
                xx += xv * xv;
            }
            out[r * stride + col] = sign * dot;
            out[r * stride + col + 1] = xx;
        }
    }

    /** |h_r|^2 per row into {@code out[r*stride + col]}. */
    private static void rowSquaredNorms(float[] h, int rows, int cols, double[] out, int stride, int col) {
        for (int r = 0; r < rows; r++) {
            double hh = 0;
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                hh += (double) h[base + c] * h[base + c];
            }
            out[r * stride + col] = hh;
        }
    }
}
