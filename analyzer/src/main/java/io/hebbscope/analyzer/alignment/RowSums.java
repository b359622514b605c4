package io.hebbscope.analyzer.alignment;

/**
 * Per-neuron partial sums of a layer at one step, {@code rows x 7}: for the negative gradient, the
 * learning signal and the update, the dot product with H_i and the squared norm; then |H_i|^2.
 * Sums, unlike cosines, add up across blocks, so a layer's alignment assembles exactly from its blocks.
 */
public final class RowSums {
    public static final int WIDTH = 7;
    public static final int GRADIENT = 0;
    public static final int SIGNAL = 2;
    public static final int UPDATE = 4;
    public static final int HEBBIAN = 6;

    private RowSums() {}

    /**
     * Computes the sums of one block. {@code signal} may be null: then g = -gradient (SGD), and the
     * signal columns copy the gradient's.
     */
    public static double[] of(float[] gradient, float[] signal, float[] hebbian, float[] update, int rows, int cols) {
        double[] out = new double[rows * WIDTH];
        Alignment.rowSums(gradient, hebbian, rows, cols, -1, out, WIDTH, GRADIENT);
        if (signal == null) {
            for (int r = 0; r < rows; r++) {
                out[r * WIDTH + SIGNAL] = out[r * WIDTH + GRADIENT];
                out[r * WIDTH + SIGNAL + 1] = out[r * WIDTH + GRADIENT + 1];
            }
        } else {
            Alignment.rowSums(signal, hebbian, rows, cols, 1, out, WIDTH, SIGNAL);
        }
        Alignment.rowSums(update, hebbian, rows, cols, 1, out, WIDTH, UPDATE);
        Alignment.rowSquaredNorms(hebbian, rows, cols, out, WIDTH, HEBBIAN);
        return out;
    }
}
