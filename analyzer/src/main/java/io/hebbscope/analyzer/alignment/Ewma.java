package io.hebbscope.analyzer.alignment;

/**
 * Exponentially weighted moving average: {@code m <- alpha * x + (1 - alpha) * m}, starting at the first
 * defined value. Undefined values (null / not defined) leave the average where it was.
 */
public final class Ewma {
    private Ewma() {}

    public static Double update(Double previous, Double value, double alpha) {
        if (value == null) {
            return previous;
        }
        if (previous == null) {
            return value;
        }
        return alpha * value + (1 - alpha) * previous;
    }

    /**
     * Per-neuron update in place. {@code state} holds NaN for neurons that never had a defined value
     * (internal only: NaN never leaves the analyzer).
     */
    public static void update(double[] state, double[] values, boolean[] defined, double alpha) {
        for (int i = 0; i < state.length; i++) {
            if (!defined[i]) {
                continue;
            }
            state[i] = Double.isNaN(state[i]) ? values[i] : alpha * values[i] + (1 - alpha) * state[i];
        }
    }
}
