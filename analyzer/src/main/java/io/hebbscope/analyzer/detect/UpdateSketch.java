package io.hebbscope.analyzer.detect;

/**
 * The analyzer's view of the update sketch, whose definition lives in {@link io.hebbscope.schema.UpdateSketch} (the
 * trainer computes the same sketch for LayerStats): the analyzer uses the histogram form too, the definition's sums up
 * to float64 rounding at about a quarter of the exact lookup form's cost (that form was 17 % of the stream thread's CPU; the
 * golden outputs did not change).
 */
public final class UpdateSketch {
    public static final int SIZE = io.hebbscope.schema.UpdateSketch.SIZE;

    private UpdateSketch() {}

    /** The sketch of one block of rows of a layer with {@code cols} inputs, {@code rows * cols} values; see the definition. */
    public static double[] of(float[] update, int rowOffset, int rows, int cols) {
        return io.hebbscope.schema.UpdateSketch.byHistogram(java.nio.FloatBuffer.wrap(update), 0, rowOffset, rows, cols);
    }

    /** Estimate of |X|_F from the sketch of X. */
    public static double norm(double[] sketch) {
        return io.hebbscope.schema.UpdateSketch.norm(sketch);
    }
}
