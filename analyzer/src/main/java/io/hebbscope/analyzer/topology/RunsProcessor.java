package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.MalformedEventException;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Validates the runs topic (RunStarted / RunFinished); anything else becomes a dead letter. */
final class RunsProcessor implements Processor<byte[], byte[], byte[], Routed> {
    private final AnalyzerMetrics metrics;
    private ProcessorContext<byte[], Routed> context;

    RunsProcessor(AnalyzerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<byte[], Routed> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("unknown");
        metrics.recordsProcessed.labelValues(topic).inc();
        if (record.value() == null) {
            return; // a tombstone: someone deleted a run from the compacted topic
        }
        try {
            SpecificRecord event = EventCodec.get().decodeAny(record.value());
            if (!(event instanceof RunStarted) && !(event instanceof RunFinished)) {
                throw new InvalidRecordException("invalid",
                    "the runs topic carries RunStarted or RunFinished, not " + event.getClass().getSimpleName());
            }
            metrics.runEvent(event);
        } catch (MalformedEventException e) {
            context.forward(record.withValue(DeadLetters.of(context, metrics, record.key(), record.value(),
                new InvalidRecordException("decode", e.getMessage(), e))));
        } catch (InvalidRecordException e) {
            context.forward(record.withValue(DeadLetters.of(context, metrics, record.key(), record.value(), e)));
        }
    }
}
