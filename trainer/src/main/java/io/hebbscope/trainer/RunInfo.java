package io.hebbscope.trainer;

import java.util.List;
import java.util.Map;

/**
 * What a run is: its id, the full configuration as strings (for the RunStarted event), the monitored
 * layers and how long it will train.
 */
public record RunInfo(String runId, long seed, String task, String model, String rule,
                      Map<String, String> config, List<LayerInfo> layers,
                      int stepsPerEpoch, long totalSteps) {
    public RunInfo {
        config = Map.copyOf(config);
        layers = List.copyOf(layers);
    }
}
