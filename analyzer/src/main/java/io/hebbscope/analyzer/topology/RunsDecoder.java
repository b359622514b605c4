package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.RunEvent;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import java.nio.ByteBuffer;
import org.apache.avro.specific.SpecificRecord;

/**
 * Validates the runs topic: RunStarted under key runId/started within the documented bounds ({@link RunValidator}),
 * RunFinished under runId/finished; anything else is a dead letter. Valid ones go on to the admission of runs.
 */
final class RunsDecoder extends ValidatingProcessor {

    RunsDecoder(AnalyzerMetrics metrics) {
        super(metrics);
    }

    @Override
    Routed.Good accept(byte[] key, byte[] value, Source source) {
        if (value == null) {
            // a tombstone: someone deleted a run from the compacted topic; nothing to analyze
            metrics.recordsAccepted.labelValues(source.topic()).inc();
            return null;
        }
        SpecificRecord event = EventCodec.get().decodeAny(value);
        String runId;
        if (event instanceof RunStarted started) {
            requireKey(key, Keys.runStarted(started.getRunId()));
            RunValidator.check(started);
            runId = started.getRunId();
        } else if (event instanceof RunFinished finished) {
            requireKey(key, Keys.runFinished(finished.getRunId()));
            RunValidator.check(finished);
            runId = finished.getRunId();
        } else {
            throw new InvalidRecordException("invalid",
                "the runs topic carries RunStarted or RunFinished, not " + event.getClass().getSimpleName());
        }
        return new Routed.Good(runId, runEvent(key, value, source));
    }

    static RunEvent runEvent(byte[] key, byte[] value, Source source) {
        return new RunEvent(source.topic(), source.partition(), source.offset(), key == null ? null : ByteBuffer.wrap(key),
            ByteBuffer.wrap(value));
    }
}
