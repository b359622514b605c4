package io.hebbscope.lab.report;

import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.StepMetrics;
import java.util.List;

/** What the analyzer (and trainer) wrote about one run: its layer and neuron alignment and its step metrics. */
public record RunLog(String runId, List<LayerAlignment> layers, List<NeuronAlignment> neurons, List<StepMetrics> metrics) {
    public RunLog {
        layers = List.copyOf(layers);
        neurons = List.copyOf(neurons);
        metrics = List.copyOf(metrics);
    }
}
