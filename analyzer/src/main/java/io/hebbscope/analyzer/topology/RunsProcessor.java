package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import org.apache.avro.specific.SpecificRecord;

/** Validates the runs topic (RunStarted / RunFinished) and reports runs to the metrics; anything else is a dead letter. */
final class RunsProcessor extends ValidatingProcessor {

    RunsProcessor(AnalyzerMetrics metrics) {
        super(metrics);
    }

    @Override
    Routed.Good accept(byte[] value) {
        if (value == null) {
            return null; // a tombstone: someone deleted a run from the compacted topic
        }
        SpecificRecord event = EventCodec.get().decodeAny(value);
        if (!(event instanceof RunStarted) && !(event instanceof RunFinished)) {
            throw new InvalidRecordException("invalid",
                "the runs topic carries RunStarted or RunFinished, not " + event.getClass().getSimpleName());
        }
        metrics.runEvent(event);
        return null;
    }
}
