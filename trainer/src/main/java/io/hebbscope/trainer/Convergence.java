package io.hebbscope.trainer;

import java.util.ArrayList;
import java.util.List;

/**
 * The plateau test of {@link TrainerConfig#untilConverged()}: after each epoch the trainer passes the validation
 * loss and every monitored layer's weight norm. The run has converged when, over the last {@code 2 patience}
 * epochs, the mean of the last {@code patience} epochs and the mean of the {@code patience} before them differ
 * by at most {@code tolerance} relative to the earlier mean, for the weight norm of every layer (in either
 * direction: stationarity means no drift) and for the validation loss (which may only not have fallen by more
 * than that: a loss that rises is not improving). Window means make the test insensitive to the epoch-to-epoch
 * jitter that weight noise and minibatches cause. A non-finite value never converges.
 */
public final class Convergence {
    private final int patience;
    private final double tolerance;
    private final List<double[]> epochs = new ArrayList<>();

    public Convergence(int patience, double tolerance) {
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be >= 1: " + patience);
        }
        if (!(tolerance > 0) || !Double.isFinite(tolerance)) {
            throw new IllegalArgumentException("tolerance must be > 0: " + tolerance);
        }
        this.patience = patience;
        this.tolerance = tolerance;
    }

    /** Records one epoch; returns whether the run has converged with it. */
    public boolean observe(double validationLoss, double[] weightNorms) {
        double[] row = new double[weightNorms.length + 1];
        row[0] = validationLoss;
        System.arraycopy(weightNorms, 0, row, 1, weightNorms.length);
        epochs.add(row);
        return converged();
    }

    /** Epochs observed so far. */
    public int epochs() {
        return epochs.size();
    }

    /** Whether the last observation completed a plateau. */
    public boolean converged() {
        int n = epochs.size();
        if (n < 2 * patience) {
            return false;
        }
        int width = epochs.get(n - 1).length;
        for (int k = 0; k < width; k++) {
            double earlier = mean(n - 2 * patience, n - patience, k);
            double last = mean(n - patience, n, k);
            if (!Double.isFinite(earlier) || !Double.isFinite(last)) {
                return false;
            }
            double allowed = tolerance * Math.abs(earlier);
            boolean flat = k == 0 ? last >= earlier - allowed : Math.abs(last - earlier) <= allowed;
            if (!flat) {
                return false;
            }
        }
        return true;
    }

    private double mean(int from, int to, int column) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += epochs.get(i)[column];
        }
        return sum / (to - from);
    }

    /** Every observed epoch: the validation loss, then each layer's weight norm (copies, for a checkpoint). */
    public double[][] history() {
        double[][] out = new double[epochs.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = epochs.get(i).clone();
        }
        return out;
    }

    /** Replaces the observed epochs with {@code history} (from {@link #history()} of the run being resumed). */
    public void restore(double[][] history) {
        epochs.clear();
        for (double[] row : history) {
            epochs.add(row.clone());
        }
    }
}
