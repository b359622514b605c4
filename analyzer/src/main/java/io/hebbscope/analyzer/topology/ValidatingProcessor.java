package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.MalformedEventException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Stage 1 for one input topic: counts every record, hands its value to {@link #accept}, and turns whatever makes a
 * record unusable into a dead letter with a reason, so a bad record never stops the analyzer.
 */
abstract class ValidatingProcessor implements Processor<byte[], byte[], byte[], Routed> {
    protected final AnalyzerMetrics metrics;
    private ProcessorContext<byte[], Routed> context;

    ValidatingProcessor(AnalyzerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public final void init(ProcessorContext<byte[], Routed> context) {
        this.context = context;
    }

    /**
     * Uses one record's value; returns what to pass on, or null for nothing. Throws {@link InvalidRecordException}
     * or {@link MalformedEventException} for a record that cannot be used.
     */
    abstract Routed.Good accept(byte[] value);

    @Override
    public final void process(Record<byte[], byte[]> record) {
        String topic = context.recordMetadata().map(m -> m.topic()).orElse("unknown");
        metrics.recordsProcessed.labelValues(topic).inc();
        Routed out;
        try {
            out = accept(record.value());
        } catch (MalformedEventException e) {
            out = DeadLetters.of(context, metrics, record.key(), record.value(), new InvalidRecordException("decode", e.getMessage(), e));
        } catch (InvalidRecordException e) {
            out = DeadLetters.of(context, metrics, record.key(), record.value(), e);
        } catch (RuntimeException e) {
            out = DeadLetters.of(context, metrics, record.key(), record.value(), new InvalidRecordException("invalid", e.toString(), e));
        }
        if (out != null) {
            context.forward(record.withValue(out));
        }
    }
}
