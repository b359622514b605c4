package io.hebbscope.lab.report;

import java.util.List;

/**
 * Per-neuron values over steps: {@code values[neuron][k]} is the value of that neuron at {@code steps.get(k)}.
 * {@code stepWidth} is the width of one cell on the step axis.
 */
public record Heatmap(String runId, String layer, String signal, List<Long> steps, double[][] values, double stepWidth) {
    public Heatmap {
        steps = List.copyOf(steps);
        for (double[] row : values) {
            if (row.length != steps.size()) {
                throw new IllegalArgumentException("a heatmap row has " + row.length + " values for " + steps.size() + " steps");
            }
        }
    }

    public int neurons() {
        return values.length;
    }
}
