package io.hebbscope.analyzer.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LayerDetectorsTest {
    private final DetectorSettings settings = DetectorSettings.DEFAULTS;

    /** Inputs of a layer whose signal alignment has a bump and whose neurons then oscillate. */
    private static List<LayerDetectors.Input> inputs(long seed, int rows, int steps) {
        Random r = new Random(seed);
        List<LayerDetectors.Input> out = new ArrayList<>();
        double[] ewma = new double[rows];
        Arrays.fill(ewma, Double.NaN);
        for (int t = 0; t < steps; t++) {
            double x = 0.1 + 0.7 * Math.exp(-0.5 * Math.pow((t - 50) / 12.0, 2)) + 0.03 * r.nextGaussian();
            double[][] neuron = new double[3][rows];
            boolean[][] defined = new boolean[3][rows];
            for (int i = 0; i < rows; i++) {
                double u = t < 120 ? (i % 3 == 0 ? -0.4 : 0.4) : ((t + i) % 4 < 2 ? 0.8 : -0.8);
                neuron[0][i] = x;
                neuron[1][i] = x;
                neuron[2][i] = SyntheticSeries.clip(u + 0.05 * r.nextGaussian());
                defined[0][i] = defined[1][i] = defined[2][i] = i != rows - 1;
                if (defined[2][i]) {
                    ewma[i] = Double.isNaN(ewma[i]) ? neuron[2][i] : 0.1 * neuron[2][i] + 0.9 * ewma[i];
                }
            }
            double[] sketch = new double[UpdateSketch.SIZE];
            for (int k = 0; k < sketch.length; k++) {
                sketch[k] = (t < 120 ? 1.0 : 0.0) + 0.1 * r.nextGaussian();
            }
            out.add(new LayerDetectors.Input(t, x, neuron, defined, ewma.clone(), 0.1, 1.0, sketch, 5.0));
        }
        return out;
    }

    @Test
    void aStateRestoredFromBytesAtEveryStepDecidesExactlyAsAnUninterruptedOne() {
        List<LayerDetectors.Input> in = inputs(3, 12, 300);
        LayerDetectors continuous = new LayerDetectors(settings, 12);
        byte[] state = null;
        List<Detection> a = new ArrayList<>();
        List<Detection> b = new ArrayList<>();
        List<LayerDetectors.Output> outA = new ArrayList<>();
        List<LayerDetectors.Output> outB = new ArrayList<>();
        for (LayerDetectors.Input step : in) {
            LayerDetectors.Output o = continuous.step(step);
            a.addAll(o.detections());
            outA.add(o);
            LayerDetectors restored = LayerDetectors.fromBytes(state, settings, 12);
            LayerDetectors.Output p = restored.step(step);
            b.addAll(p.detections());
            outB.add(p);
            state = restored.toBytes();
        }
        assertThat(b).isEqualTo(a);
        assertThat(outB).usingRecursiveFieldByFieldElementComparator().isEqualTo(outA);
        assertThat(a).extracting(Detection::kind).contains(io.hebbscope.schema.PhaseKind.BUMP_PEAK,
            io.hebbscope.schema.PhaseKind.OSCILLATION, io.hebbscope.schema.PhaseKind.STATIONARITY);
        // 48 KiB-scale state stays bounded: 12 neurons x 3 signals x 32 steps of float32 plus fixed parts
        assertThat(state.length).isLessThan(12 * 3 * 32 * 4 + 12_000);
    }

    @Test
    void rolesCountRunLengthsAndTheAntiHebbianShare() {
        RoleTracker roles = new RoleTracker(4);
        RoleTracker.Stats s = null;
        for (int t = 0; t < 25; t++) {
            s = roles.update(new double[] {0.5, -0.5, -0.3, t < 10 ? 0.0 : 0.2}, 0.1, 20);
        }
        assertThat(s.hebbian()).isEqualTo(2);
        assertThat(s.antiHebbian()).isEqualTo(2);
        assertThat(s.antiHebbianShare()).isEqualTo(0.5);
        assertThat(roles.runLength(0)).isEqualTo(25);
        assertThat(roles.runLength(3)).isEqualTo(15);
        assertThat(s.meanRunLength()).isEqualTo((25 + 25 + 25 + 15) / 4.0);
        assertThat(s.persistent()).isEqualTo(3);
        s = roles.update(new double[] {Double.NaN, 0.0, 0.0, 0.0}, 0.1, 20);
        assertThat(s.undefined()).isEqualTo(1);
        assertThat(s.antiHebbianShare()).isNull();
    }

    @Test
    void theUpdateSketchEstimatesTheNormOfASumOverBlocksAndSteps() {
        Random r = new Random(9);
        int rows = 20;
        int cols = 30;
        double[] total = new double[rows * cols];
        double[] sketch = new double[UpdateSketch.SIZE];
        for (int t = 0; t < 10; t++) {
            float[] u = new float[rows * cols];
            for (int i = 0; i < u.length; i++) {
                u[i] = (float) (r.nextGaussian() + 0.3);
                total[i] += u[i];
            }
            // two blocks of rows
            double[] s1 = UpdateSketch.of(Arrays.copyOfRange(u, 0, 7 * cols), 0, 7, cols);
            double[] s2 = UpdateSketch.of(Arrays.copyOfRange(u, 7 * cols, rows * cols), 7, rows - 7, cols);
            for (int k = 0; k < sketch.length; k++) {
                sketch[k] += s1[k] + s2[k];
            }
        }
        double exact = Math.sqrt(Arrays.stream(total).map(v -> v * v).sum());
        assertThat(UpdateSketch.norm(sketch)).isCloseTo(exact, org.assertj.core.data.Percentage.withPercentage(40));
    }
}
