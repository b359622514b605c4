package io.hebbscope.trainer.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.hebbscope.trainer.TrainingStep;
import io.hebbscope.trainer.model.Activation;
import io.hebbscope.trainer.model.Mlp;
import io.hebbscope.trainer.probe.LayerTerms;
import io.hebbscope.trainer.probe.Probe;
import io.hebbscope.trainer.tasks.MseLoss;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Every rule against a step worked out by hand on tiny networks, in double precision.
 * <p>
 * Net A (the probe test's): one linear 2x2 layer, x = [[1, 2], [3, -1]], W = [[0.5, -1], [2, 0.25]],
 * b = [0.1, -0.2], targets t = [[0, 1], [2, 5]]. Then h = [[-1.4, 2.3], [2.6, 5.55]],
 * H = [[3.2, -2.7], [9.475, -0.475]], dL/dW = [[0.2, -1.7], [1.475, 1.025]], dL/db = [-0.4, 0.925].
 */
class RuleHandComputedTest {
    private static final double TOL = 1e-10;
    private static final double LR = 0.1;
    static final INDArray X = m(new double[][] {{1, 2}, {3, -1}});
    static final INDArray T = m(new double[][] {{0, 1}, {2, 5}});
    private static final double[][] W0 = {{0.5, -1}, {2, 0.25}};
    private static final double[][] GRAD = {{0.2, -1.7}, {1.475, 1.025}};
    private static final double[][] HEBB = {{3.2, -2.7}, {9.475, -0.475}};

    static INDArray m(double[][] v) {
        return Nd4j.createFromArray(v).castTo(DataType.DOUBLE);
    }

    static Mlp netA() {
        return Mlp.of(List.of(m(W0)), List.of(Nd4j.createFromArray(0.1, -0.2)), Activation.TANH);
    }

    /** One step with the terms; returns layer 0's terms. */
    static LayerTerms step(Mlp net, UpdateRule rule) {
        TrainingStep s = new TrainingStep(net, new MseLoss(), rule, WeightNoise.none(), new Probe(Probe.layersOf(net)));
        TrainingStep.Outcome outcome = s.run(0, LR, X, T, true);
        assertThat(outcome.applied()).isTrue();
        return outcome.terms().get(0);
    }

    static void assertClose(INDArray actual, double[][] expected, double tol) {
        double[][] got = actual.toDoubleMatrix();
        assertThat(got.length).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                assertThat(got[i][j]).as("[%d][%d]", i, j).isCloseTo(expected[i][j], within(tol));
            }
        }
    }

    static double[][] combine(double a, double[][] x, double b, double[][] y) {
        double[][] r = new double[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                r[i][j] = a * x[i][j] + b * y[i][j];
            }
        }
        return r;
    }

    @Test
    void sgdWithL1AndDecay() {
        // U = -lr (grad + gamma W + lambda sign W), gamma 0.5, lambda 0.2; sign W = [[1, -1], [1, 1]].
        Mlp net = netA();
        LayerTerms t = step(net, new Sgd(new Regularizers(0.5, 0.2, 0, 0)));
        assertThat(t.signal()).isNull();
        assertClose(t.gradient(), GRAD, TOL);
        assertClose(t.update(), new double[][] {
                {-0.1 * (0.2 + 0.25 + 0.2), -0.1 * (-1.7 - 0.5 - 0.2)},
                {-0.1 * (1.475 + 1.0 + 0.2), -0.1 * (1.025 + 0.125 + 0.2)}}, TOL);
    }

    @Test
    void adamCoupledFirstStepIsTheSignOfTheDecayedGradient() {
        // d = grad + 0.5 W = [[0.45, -2.2], [2.475, 1.15]]; at t = 1, m_hat = d and v_hat = d^2, so
        // dir = d / (|d| + eps) = sign(d) up to 1e-8 and U = -0.1 sign(d). Bias: dir = sign(dL/db) = [-1, 1].
        // The signal leaves the decay out of the first moment: g = -grad / (|d| + eps)
        // = -[[0.2/0.45, -1.7/2.2], [1.475/2.475, 1.025/1.15]].
        Mlp net = netA();
        LayerTerms t = step(net, new Adam(0.9, 0.999, 1e-8, false, Regularizers.decay(0.5)));
        assertClose(t.signal(), new double[][] {{-0.2 / 0.45, 1.7 / 2.2}, {-1.475 / 2.475, -1.025 / 1.15}}, 1e-7);
        assertClose(t.update(), new double[][] {{-0.1, 0.1}, {-0.1, -0.1}}, 1e-8);
        assertClose(t.gradient(), GRAD, TOL);
        assertThat(net.bias(0).getDouble(0)).isCloseTo(0.2, within(1e-8));
        assertThat(net.bias(0).getDouble(1)).isCloseTo(-0.3, within(1e-8));
    }

    @Test
    void adamwFirstStepDecaysOutsideTheMoments() {
        // dir = sign(grad) = [[1, -1], [1, 1]]; U = -0.1 (dir + 0.5 W); g = -dir.
        Mlp net = netA();
        LayerTerms t = step(net, new Adam(0.9, 0.999, 1e-8, true, Regularizers.decay(0.5)));
        assertClose(t.signal(), new double[][] {{-1, 1}, {-1, -1}}, 1e-7);
        assertClose(t.update(), new double[][] {{-0.125, 0.15}, {-0.2, -0.1125}}, 1e-8);
    }

    @Test
    void adamSecondStepFollowsTheBiasCorrectedMoments() {
        // Two steps on the same batch, reference in plain doubles (PyTorch's formulas).
        double b1 = 0.8;
        double b2 = 0.9;
        double eps = 1e-3;
        double gamma = 0.3;
        Mlp net = netA();
        Adam adam = new Adam(b1, b2, eps, false, Regularizers.decay(gamma));
        TrainingStep s = new TrainingStep(net, new MseLoss(), adam, WeightNoise.none(), new Probe(Probe.layersOf(net)));
        double[][] w = {{0.5, -1}, {2, 0.25}};
        double[] b = {0.1, -0.2};
        double[][] mw = new double[2][2];
        double[][] mg = new double[2][2];
        double[][] vw = new double[2][2];
        double[] mb = new double[2];
        double[] vb = new double[2];
        LayerTerms last = null;
        for (int step = 1; step <= 2; step++) {
            // Reference forward/backward of the linear layer: dL/dh = (h - t) / 2 (MSE over 4 elements).
            double[][] dh = new double[2][2];
            for (int i = 0; i < 2; i++) {
                for (int o = 0; o < 2; o++) {
                    double h = b[o];
                    for (int k = 0; k < 2; k++) {
                        h += X.getDouble(i, k) * w[o][k];
                    }
                    dh[i][o] = (h - T.getDouble(i, o)) / 2;
                }
            }
            double bc1 = 1 - Math.pow(b1, step);
            double bc2 = 1 - Math.pow(b2, step);
            double[][] next = new double[2][2];
            double[][] signal = new double[2][2];
            for (int o = 0; o < 2; o++) {
                for (int k = 0; k < 2; k++) {
                    double grad = dh[0][o] * X.getDouble(0, k) + dh[1][o] * X.getDouble(1, k);
                    double d = grad + gamma * w[o][k];
                    mw[o][k] = b1 * mw[o][k] + (1 - b1) * d;
                    mg[o][k] = b1 * mg[o][k] + (1 - b1) * grad;
                    vw[o][k] = b2 * vw[o][k] + (1 - b2) * d * d;
                    double denom = Math.sqrt(vw[o][k] / bc2) + eps;
                    next[o][k] = w[o][k] - LR * (mw[o][k] / bc1) / denom;
                    signal[o][k] = -(mg[o][k] / bc1) / denom;
                }
                double db = dh[0][o] + dh[1][o];
                mb[o] = b1 * mb[o] + (1 - b1) * db;
                vb[o] = b2 * vb[o] + (1 - b2) * db * db;
                b[o] -= LR * (mb[o] / bc1) / (Math.sqrt(vb[o] / bc2) + eps);
            }
            last = s.run(step - 1, LR, X, T, true).terms().get(0);
            assertClose(last.update(), combine(1, next, -1, w), TOL);
            // The whole step per unit learning rate minus the decay's share gamma m_W / bc1 / denom.
            assertClose(last.signal(), signal, 1e-9);
            assertThat(last.signal().sub(last.update().div(LR)).norm2Number().doubleValue()).isGreaterThan(1e-3);
            w = next;
        }
        assertClose(net.weight(0), w, TOL);
        assertThat(net.bias(0).toDoubleVector()).containsExactly(b, within(TOL));
    }

    @Test
    void adamSignalByHandOverTwoStepsOfDifferentBatches() {
        // A 1x1 linear layer y = w x + b, MSE; w = 1, b = 0, gamma = 1 (coupled), b1 = 0.5, b2 = 0.5, eps = 0,
        // lr 0.1. Step 1: x = 1, t = 0: grad_w = 2 (w x + b - t) x = 2, d = 2 + 1 = 3, m = 1.5, mg = 1, v = 4.5,
        // m_hat = 3, mg_hat = 2, v_hat = 9: dir = 1, g = -2/3, w = 0.9; bias: db = 2, dir_b = 1, b = -0.1.
        // Step 2: x = 2, t = 0: h = 0.9*2 - 0.1 = 1.7, grad_w = 2*1.7*2 = 6.8, d = 7.7, m = 0.75 + 3.85 = 4.6,
        // mg = 0.5 + 3.4 = 3.9, v = 2.25 + 29.645 = 31.895; bc1 = bc2 = 0.75: m_hat = 6.1333..,
        // mg_hat = 5.2, v_hat = 42.52666..: g = -5.2 / sqrt(42.52666..), U = -0.1 * 6.1333.. / sqrt(42.52666..).
        Mlp net = Mlp.of(List.of(m(new double[][] {{1}})), List.of(Nd4j.createFromArray(0.0)), Activation.TANH);
        Adam adam = new Adam(0.5, 0.5, 1e-300, false, Regularizers.decay(1.0));
        TrainingStep s = new TrainingStep(net, new MseLoss(), adam, WeightNoise.none(), new Probe(Probe.layersOf(net)));
        LayerTerms first = s.run(0, LR, m(new double[][] {{1}}), m(new double[][] {{0}}), true).terms().get(0);
        assertThat(first.signal().getDouble(0, 0)).isCloseTo(-2.0 / 3, within(1e-12));
        assertThat(first.update().getDouble(0, 0)).isCloseTo(-0.1, within(1e-12));
        assertThat(net.bias(0).getDouble(0)).isCloseTo(-0.1, within(1e-12));
        LayerTerms second = s.run(1, LR, m(new double[][] {{2}}), m(new double[][] {{0}}), true).terms().get(0);
        double vHat = 31.895 / 0.75;
        assertThat(second.gradient().getDouble(0, 0)).isCloseTo(6.8, within(1e-12));
        assertThat(second.signal().getDouble(0, 0)).isCloseTo(-5.2 / Math.sqrt(vHat), within(1e-12));
        assertThat(second.update().getDouble(0, 0)).isCloseTo(-0.1 * (4.6 / 0.75) / Math.sqrt(vHat), within(1e-12));
    }

    @Test
    void adamwSignalLeavesL1OutOfTheMoment() {
        // AdamW with L1 0.2 at t = 1: dir = sign(grad + 0.2 sign W) (all the same signs as grad here), but
        // g = -grad / |grad + 0.2 sign W| = -[[0.2/0.4, -1.7/1.9], [1.475/1.675, 1.025/1.225]].
        Mlp net = netA();
        LayerTerms t = step(net, new Adam(0.9, 0.999, 1e-8, true, new Regularizers(0, 0.2, 0, 0)));
        assertClose(t.signal(), new double[][] {{-0.5, 1.7 / 1.9}, {-1.475 / 1.675, -1.025 / 1.225}}, 1e-7);
        assertClose(t.update(), new double[][] {{-0.1, 0.1}, {-0.1, -0.1}}, 1e-8);
    }

    @Test
    void sgdDecaysBiasesWhenAsked() {
        // b <- b - lr (dL/db + gamma b): [0.1 - 0.1 (-0.4 + 0.05), -0.2 - 0.1 (0.925 - 0.1)] = [0.135, -0.2825].
        Mlp net = netA();
        LayerTerms t = step(net, new Sgd(Regularizers.decayEverything(0.5)));
        assertThat(net.bias(0).toDoubleVector()).containsExactly(new double[] {0.135, -0.2825}, within(TOL));
        assertClose(t.update(), combine(-LR, GRAD, -LR * 0.5, W0), TOL);
        Mlp weightsOnly = netA();
        step(weightsOnly, new Sgd(Regularizers.decay(0.5)));
        assertThat(weightsOnly.bias(0).toDoubleVector()).containsExactly(new double[] {0.14, -0.2925}, within(TOL));
    }

    @Test
    void adamDecaysBiasesInsideOrOutsideTheMoments() {
        // Coupled, gamma 5: d_b = dL/db + 5 b = [-0.4 + 0.5, 0.925 - 1] = [0.1, -0.075]; t = 1: dir = sign(d_b)
        // = [1, -1], b = [0.1 - 0.1, -0.2 + 0.1] = [0, -0.1] (without bias decay it would be [0.2, -0.3]).
        Mlp coupled = netA();
        step(coupled, new Adam(0.9, 0.999, 1e-8, false, Regularizers.decayEverything(5)));
        assertThat(coupled.bias(0).toDoubleVector()).containsExactly(new double[] {0, -0.1}, within(1e-6));
        // Decoupled, gamma 0.5: b <- b - lr (sign(dL/db) + 0.5 b) = [0.1 - 0.1 (-1 + 0.05), -0.2 - 0.1 (1 - 0.1)].
        Mlp decoupled = netA();
        step(decoupled, new Adam(0.9, 0.999, 1e-8, true, Regularizers.decayEverything(0.5)));
        assertThat(decoupled.bias(0).toDoubleVector()).containsExactly(new double[] {0.195, -0.29}, within(1e-8));
    }

    @Test
    void dfaDecaysTheBiasesItTrains() {
        // Net B under DFA with bias decay: b0 <- b0 + lr g_b0 - lr gamma b0; the same step without the decay
        // differs by exactly -lr gamma b0 (g does not depend on the decay).
        INDArray t = m(new double[][] {{1}, {-1}});
        double[] after = new double[2];
        double[] plain = new double[2];
        for (boolean decay : new boolean[] {true, false}) {
            Mlp net = Mlp.of(List.of(m(W0), m(new double[][] {{1, -0.5}})),
                    List.of(Nd4j.createFromArray(0.1, -0.2), Nd4j.createFromArray(0.3)), Activation.TANH);
            Dfa dfa = new Dfa(decay ? Regularizers.decayEverything(0.5) : Regularizers.decay(0.5), 5);
            new TrainingStep(net, new MseLoss(), dfa, WeightNoise.none(), new Probe(Probe.layersOf(net)))
                    .run(0, LR, X, t, false);
            System.arraycopy(net.bias(0).toDoubleVector(), 0, decay ? after : plain, 0, 2);
        }
        assertThat(after[0] - plain[0]).isCloseTo(-LR * 0.5 * 0.1, within(TOL));
        assertThat(after[1] - plain[1]).isCloseTo(-LR * 0.5 * -0.2, within(TOL));
    }

    @Test
    void hebbianStepIsRowNormalized() {
        // W + 0.1 H = [[0.82, -1.27], [2.9475, 0.2025]]; each row rescaled to its old norm.
        Mlp net = netA();
        LayerTerms t = step(net, new Hebbian(Regularizers.none()));
        double r0 = Math.sqrt(0.25 + 1) / Math.sqrt(0.82 * 0.82 + 1.27 * 1.27);
        double r1 = Math.sqrt(4 + 0.0625) / Math.sqrt(2.9475 * 2.9475 + 0.2025 * 0.2025);
        double[][] next = {{0.82 * r0, -1.27 * r0}, {2.9475 * r1, 0.2025 * r1}};
        assertClose(net.weight(0), next, TOL);
        assertClose(t.update(), combine(1, next, -1, W0), TOL);
        assertClose(t.signal(), combine(10, next, -10, W0), 1e-9);
        assertClose(t.hebbian(), HEBB, TOL);
        assertClose(t.gradient(), GRAD, TOL);
        assertThat(net.bias(0).toDoubleVector()).containsExactly(new double[] {0.1, -0.2}, within(0.0));
        // Row norms are preserved.
        assertThat(net.weight(0).norm2(1).toDoubleVector())
                .containsExactly(new double[] {Math.sqrt(1.25), Math.sqrt(4.0625)}, within(1e-12));
    }

    @Test
    void ojaStepWithDecay() {
        // mean h_0^2 = (1.96 + 6.76)/2 = 4.36, mean h_1^2 = (5.29 + 30.8025)/2 = 18.04625;
        // g = H - diag(mean h^2) W = [[1.02, 1.66], [-26.6175, -4.9865625]]; U = 0.1 g - 0.1 * 0.5 W.
        Mlp net = netA();
        LayerTerms t = step(net, new Oja(Regularizers.decay(0.5)));
        double[][] g = {{1.02, 1.66}, {-26.6175, -4.9865625}};
        assertClose(t.signal(), g, TOL);
        assertClose(t.update(), combine(0.1, g, -0.05, W0), TOL);
    }

    /**
     * Net B: 2 -> 2 (tanh) -> 1, for DFA: W0 = [[0.5, -1], [2, 0.25]], b0 = [0.1, -0.2], W1 = [[1, -0.5]],
     * b1 = [0.3], targets [[1], [-1]].
     */
    @Test
    void dfaSendsTheOutputErrorThroughFixedRandomFeedback() {
        Mlp net = Mlp.of(List.of(m(W0), m(new double[][] {{1, -0.5}})),
                List.of(Nd4j.createFromArray(0.1, -0.2), Nd4j.createFromArray(0.3)), Activation.TANH);
        INDArray t = m(new double[][] {{1}, {-1}});
        Dfa dfa = new Dfa(Regularizers.decay(0.5), 5);
        TrainingStep s = new TrainingStep(net, new MseLoss(), dfa, WeightNoise.none(), new Probe(Probe.layersOf(net)));
        double[] fb = dfa.feedback().get(0).toDoubleVector(); // 1 x 2
        assertThat(Math.max(Math.abs(fb[0]), Math.abs(fb[1]))).isLessThanOrEqualTo(1.0); // U(+-1/sqrt(K)), K = 1
        List<LayerTerms> terms = s.run(0, LR, X, t, true).terms();

        // By hand: h0 = [[-1.4, 2.3], [2.6, 5.55]] (net A), a1 = tanh(h0), y = a1 W1^T + 0.3,
        // e = dL/dy = 2 (y - t) / 2 = y - t; delta0 = (e fb) * (1 - a1^2); g0 = -delta0^T x; g1 = -e^T a1.
        double[][] h0 = {{-1.4, 2.3}, {2.6, 5.55}};
        double[][] a1 = new double[2][2];
        double[] e = new double[2];
        for (int i = 0; i < 2; i++) {
            a1[i][0] = Math.tanh(h0[i][0]);
            a1[i][1] = Math.tanh(h0[i][1]);
            e[i] = a1[i][0] - 0.5 * a1[i][1] + 0.3 - t.getDouble(i, 0);
        }
        double[][] g0 = new double[2][2];
        double[] gb0 = new double[2];
        double[][] g1 = new double[1][2];
        for (int i = 0; i < 2; i++) {
            for (int o = 0; o < 2; o++) {
                double delta = e[i] * fb[o] * (1 - a1[i][o] * a1[i][o]);
                gb0[o] -= delta;
                for (int k = 0; k < 2; k++) {
                    g0[o][k] -= delta * X.getDouble(i, k);
                }
                g1[0][o] -= e[i] * a1[i][o];
            }
        }
        assertClose(terms.get(0).signal(), g0, TOL);
        assertClose(terms.get(1).signal(), g1, TOL);
        assertClose(terms.get(1).gradient(), combine(-1, g1, 0, g1), TOL); // last layer: its true gradient
        // U = lr g - lr gamma W for the weights; b0 += lr g_b0.
        assertClose(terms.get(0).update(), combine(LR, g0, -LR * 0.5, W0), TOL);
        assertClose(terms.get(1).update(), combine(LR, g1, -LR * 0.5, new double[][] {{1, -0.5}}), TOL);
        assertThat(net.bias(0).toDoubleVector())
                .containsExactly(new double[] {0.1 + LR * gb0[0], -0.2 + LR * gb0[1]}, within(TOL));
        // DFA's hidden signal differs from backprop's.
        assertThat(terms.get(0).signal().add(terms.get(0).gradient()).norm2Number().doubleValue()).isGreaterThan(1e-3);
    }

    @Test
    void randomNnSignsItsClippedLowRankSignalTowardTau() {
        for (double tau : new double[] {0.1, 100}) {
            for (double clip : new double[] {1e-3, 10}) {
                Mlp net = netA();
                RandomNn rule = new RandomNn(Regularizers.none(), tau, clip, 9);
                LayerTerms t = step(net, rule);
                // Reference: z = batch mean of the fixed net's 4 outputs; G = z P reshaped; s = lr G, clipped.
                double[] z = rule.network().predict(X).mean(0).toDoubleVector();
                double[][] p = rule.projections().get(0).toDoubleMatrix();
                double[][] s = new double[2][2];
                double norm = 0;
                for (int e = 0; e < 4; e++) {
                    int i = e / 2;
                    int j = e % 2;
                    for (int k = 0; k < 4; k++) {
                        s[i][j] += LR * z[k] * p[k][e];
                    }
                    norm += s[i][j] * s[i][j];
                }
                norm = Math.sqrt(norm);
                double scale = norm > clip ? clip / norm : 1;
                // The sign whose step ends nearer tau (|W| = sqrt(5.3125) ~ 2.3 before).
                double plus = 0;
                double minus = 0;
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 2; j++) {
                        plus += Math.pow(W0[i][j] + scale * s[i][j], 2);
                        minus += Math.pow(W0[i][j] - scale * s[i][j], 2);
                    }
                }
                double sign = Math.abs(Math.sqrt(plus) - tau) <= Math.abs(Math.sqrt(minus) - tau) ? 1 : -1;
                double before = Math.sqrt(5.3125);
                double after = net.weight(0).norm2Number().doubleValue();
                assertClose(t.update(), combine(sign * scale, s, 0, s), TOL);
                assertClose(t.signal(), combine(sign * scale / LR, s, 0, s), 1e-9);
                assertThat(Math.abs(after - tau)).as("tau %s clip %s", tau, clip).isLessThanOrEqualTo(Math.abs(before - tau));
                assertThat(t.update().norm2Number().doubleValue()).isLessThanOrEqualTo(clip + 1e-12);
                assertThat(net.bias(0).toDoubleVector()).containsExactly(new double[] {0.1, -0.2}, within(0.0));
            }
        }
    }

    @Test
    void randomNnSettlesAtTheTargetNormWithoutDecay() {
        Mlp net = netA();
        // One fixed batch makes G a fixed direction: W moves on the line W0 + c G, whose norm reaches any
        // tau above its minimum; then the sign flips every step or so and the norm stays within a step of tau.
        RandomNn rule = new RandomNn(Regularizers.none(), 4.0, 0.05, 3);
        TrainingStep s = new TrainingStep(net, new MseLoss(), rule, WeightNoise.none(), new Probe(Probe.layersOf(net)));
        for (int i = 0; i < 300; i++) {
            s.run(i, LR, X, T, false);
        }
        assertThat(net.weight(0).norm2Number().doubleValue()).isCloseTo(4.0, within(0.05));
    }

    @Test
    void randomNnRelativeTauIsAMultipleOfTheInitialNorm() {
        Mlp net = netA();
        RandomNn rule = new RandomNn(Regularizers.none(), 1.5, true, 0.05, 3);
        rule.init(net);
        assertThat(rule.targets()).containsExactly(1.5 * Math.sqrt(5.3125));
        RandomNn absolute = new RandomNn(Regularizers.none(), 4.0, false, 0.05, 3);
        absolute.init(netA());
        assertThat(absolute.targets()).containsExactly(4.0);
        // Without decay the norm settles at 1.5 times where it started.
        TrainingStep s = new TrainingStep(net, new MseLoss(), rule, WeightNoise.none(), new Probe(Probe.layersOf(net)));
        for (int i = 0; i < 300; i++) {
            s.run(i, LR, X, T, false);
        }
        assertThat(net.weight(0).norm2Number().doubleValue()).isCloseTo(1.5 * Math.sqrt(5.3125), within(0.05));
    }

    @Test
    void gradientNoiseIsAddedToTheGradientButNotToTheSignal() {
        Mlp net = netA();
        LayerTerms t = step(net, new Adam(0.9, 0.999, 1e-8, true, new Regularizers(0, 0, 0.3, 17)));
        // Twin generator: the same draw.
        INDArray xi = Nd4j.zeros(DataType.DOUBLE, 2, 2);
        new Regularizers(0, 0, 0.3, 17).addL1AndNoise(xi, m(W0));
        assertThat(xi.norm2Number().doubleValue()).isGreaterThan(1e-3);
        // AdamW step 1: dir = sign(grad + xi).
        INDArray d = m(GRAD).add(xi);
        INDArray expected = org.nd4j.linalg.ops.transforms.Transforms.sign(d).muli(-LR);
        assertClose(t.update(), expected.toDoubleMatrix(), 1e-8);
        assertClose(t.gradient(), GRAD, TOL);

        Mlp net2 = netA();
        LayerTerms sgd = step(net2, new Sgd(new Regularizers(0, 0, 0.3, 17)));
        assertThat(sgd.signal()).isNull();
        assertClose(sgd.update(), combine(-LR, GRAD, -LR, xi.toDoubleMatrix()), TOL);
    }

    @Test
    void activationSparsityJoinsTheUpdateButNotTheGradient() {
        // Net B with a sparsity penalty: the probe's gradient is the task gradient, U adds the penalty's.
        Mlp net = Mlp.of(List.of(m(W0), m(new double[][] {{1, -0.5}})),
                List.of(Nd4j.createFromArray(0.1, -0.2), Nd4j.createFromArray(0.3)), Activation.TANH);
        Mlp twin = Mlp.of(net.weights(), net.biases(), Activation.TANH);
        INDArray t = m(new double[][] {{1}, {-1}});
        TrainingStep s = new TrainingStep(net, new MseLoss(), new Sgd(0), WeightNoise.none(),
                new Probe(Probe.layersOf(net)), 0.4);
        List<LayerTerms> terms = s.run(0, LR, X, t, true).terms();
        TrainingStep plain = new TrainingStep(twin, new MseLoss(), new Sgd(0), WeightNoise.none(),
                new Probe(Probe.layersOf(twin)));
        List<LayerTerms> plainTerms = plain.run(0, LR, X, t, true).terms();
        assertClose(terms.get(0).gradient(), plainTerms.get(0).gradient().toDoubleMatrix(), TOL);
        // Penalty 0.4 * mean|a1| over 4 entries: d/dW0 = 0.4/4 * sign(a1) (1 - a1^2) x, summed over the batch.
        double[][] h0 = {{-1.4, 2.3}, {2.6, 5.55}};
        double[][] pen = new double[2][2];
        for (int i = 0; i < 2; i++) {
            for (int o = 0; o < 2; o++) {
                double a = Math.tanh(h0[i][o]);
                for (int k = 0; k < 2; k++) {
                    pen[o][k] += 0.1 * Math.signum(a) * (1 - a * a) * X.getDouble(i, k);
                }
            }
        }
        assertClose(terms.get(0).update(),
                combine(1, plainTerms.get(0).update().toDoubleMatrix(), -LR, pen), TOL);
        assertClose(terms.get(1).update(), plainTerms.get(1).update().toDoubleMatrix(), TOL);
    }
}
