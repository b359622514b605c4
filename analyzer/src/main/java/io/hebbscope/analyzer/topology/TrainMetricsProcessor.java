package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.StepMetrics;

/** Turns StepMetrics into loss and weight-norm gauges; bad records become dead letters. */
final class TrainMetricsProcessor extends ValidatingProcessor {

    TrainMetricsProcessor(AnalyzerMetrics metrics) {
        super(metrics);
    }

    @Override
    Routed.Good accept(byte[] value) {
        StepMetrics m = EventCodec.get().decode(value, StepMetrics.class);
        if (!Double.isFinite(m.getTrainLoss())) {
            throw new InvalidRecordException("non_finite", "train loss is " + m.getTrainLoss());
        }
        metrics.stepMetrics(m);
        return null;
    }
}
