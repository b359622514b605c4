package io.hebbscope.analyzer.alignment;

/**
 * Alignment of one assembled layer step, computed from its {@link RowSums}: per-neuron cosines of the
 * three signals (0 where undefined, with a defined mask) and the layer's Frobenius cosines and norms.
 */
public final class LayerStepAlignment {
    /** Signals in the order of the RowSums columns. */
    public static final String[] SIGNALS = {"gradient", "signal", "update"};

    public final int rows;
    /** neuron[s][i]: alignment of signal s for neuron i; 0 where !defined[s][i]. */
    public final double[][] neuron;
    public final boolean[][] defined;
    /** layer[s]: Frobenius cosine, null where undefined. */
    public final Double[] layer = new Double[3];
    /** norms[s] of the signal, and hebbianNorm, over the whole layer. */
    public final double[] norms = new double[3];
    public final double hebbianNorm;
    public final double[] neuronHebbianNorm;

    public LayerStepAlignment(double[] sums, int rows) {
        if (sums.length != rows * RowSums.WIDTH) {
            throw new IllegalArgumentException("expected " + rows + "x" + RowSums.WIDTH + " sums, got " + sums.length);
        }
        this.rows = rows;
        neuron = new double[3][rows];
        defined = new boolean[3][rows];
        neuronHebbianNorm = new double[rows];
        double[] dots = new double[3];
        double[] squares = new double[3];
        double hh = 0;
        for (int i = 0; i < rows; i++) {
            int base = i * RowSums.WIDTH;
            double hi = sums[base + RowSums.HEBBIAN];
            hh += hi;
            neuronHebbianNorm[i] = Math.sqrt(hi);
            for (int s = 0; s < 3; s++) {
                double dot = sums[base + 2 * s];
                double xx = sums[base + 2 * s + 1];
                dots[s] += dot;
                squares[s] += xx;
                Double c = Alignment.cosine(dot, xx, hi);
                defined[s][i] = c != null;
                neuron[s][i] = c == null ? 0.0 : c;
            }
        }
        hebbianNorm = Math.sqrt(hh);
        for (int s = 0; s < 3; s++) {
            layer[s] = Alignment.cosine(dots[s], squares[s], hh);
            norms[s] = Math.sqrt(squares[s]);
        }
    }
}
