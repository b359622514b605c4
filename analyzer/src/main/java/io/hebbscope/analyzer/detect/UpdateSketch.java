package io.hebbscope.analyzer.detect;

/**
 * The analyzer's view of the update sketch, whose definition lives in {@link io.hebbscope.schema.UpdateSketch} (the
 * trainer computes the same sketch for LayerStats): the analyzer uses its lookup form, bit for bit the definition.
 */
public final class UpdateSketch {
    public static final int SIZE = io.hebbscope.schema.UpdateSketch.SIZE;

    private UpdateSketch() {}

    /** The sketch of one block of rows of a layer with {@code cols} inputs; see the definition. */
    public static double[] of(float[] update, int rowOffset, int rows, int cols) {
        return io.hebbscope.schema.UpdateSketch.of(update, rowOffset, rows, cols);
    }

    /** Estimate of |X|_F from the sketch of X. */
    public static double norm(double[] sketch) {
        return io.hebbscope.schema.UpdateSketch.norm(sketch);
    }
}
