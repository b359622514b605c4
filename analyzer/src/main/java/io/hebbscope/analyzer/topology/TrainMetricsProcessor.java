package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.StepMetrics;

/**
 * Validates StepMetrics (key runId, finite values); valid ones go on to the admission of runs, which turns those of
 * admitted runs into loss and weight-norm gauges. Bad records become dead letters.
 */
final class TrainMetricsProcessor extends ValidatingProcessor {

    TrainMetricsProcessor(AnalyzerMetrics metrics) {
        super(metrics);
    }

    @Override
    Routed.Good accept(byte[] key, byte[] value, Source source) {
        StepMetrics m = EventCodec.get().decode(value, StepMetrics.class);
        requireKey(key, m.getRunId());
        if (!Double.isFinite(m.getTrainLoss())) {
            throw new InvalidRecordException("non_finite", "train loss is " + m.getTrainLoss());
        }
        if (m.getStep() < 0) {
            throw new InvalidRecordException("invalid", "negative step " + m.getStep());
        }
        if (m.getWeightNorms().size() > RunValidator.MAX_LAYERS) {
            throw new InvalidRecordException("invalid", m.getWeightNorms().size() + " weight norms, at most "
                + RunValidator.MAX_LAYERS);
        }
        return new Routed.Good(m.getRunId(), RunsDecoder.runEvent(key, value, source));
    }
}
