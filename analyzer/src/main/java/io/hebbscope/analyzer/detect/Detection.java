package io.hebbscope.analyzer.detect;

import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.PhaseKind;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a detector decided: the kind, the training step it refers to, the step at which it could decide
 * it, and its measured values (in insertion order, so a replay encodes byte-identical events).
 */
public record Detection(PhaseKind kind, long step, long decidedAtStep, String detector, Map<String, Double> values) {
    public Detection {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public PhaseEvent toEvent(String runId, String layer) {
        return PhaseEvent.newBuilder().setRunId(runId).setLayer(layer).setStep(step).setDecidedAtStep(decidedAtStep)
            .setKind(kind).setDetector(detector).setValues(new LinkedHashMap<String, Double>(values)).build();
    }

    /** Builds a value map from name, value pairs. */
    static Map<String, Double> values(Object... pairs) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], ((Number) pairs[i + 1]).doubleValue());
        }
        return m;
    }
}
