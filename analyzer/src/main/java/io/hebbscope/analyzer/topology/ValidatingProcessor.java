package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.MalformedEventException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Stage 1 for one input topic: counts every record, hands it to {@link #accept}, and turns whatever makes a
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

    /** Where a record was read. */
    record Source(String topic, int partition, long offset) {}

    /**
     * Uses one record; returns what to pass on, or null for nothing. Throws {@link InvalidRecordException}
     * or {@link MalformedEventException} for a record that cannot be used.
     */
    abstract Routed.Good accept(byte[] key, byte[] value, Source source);

    @Override
    public final void process(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElse(null);
        Source source = meta == null ? new Source("unknown", -1, -1L) : new Source(meta.topic(), meta.partition(), meta.offset());
        metrics.recordsProcessed.labelValues(source.topic()).inc();
        Routed out;
        try {
            out = accept(record.key(), record.value(), source);
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

    /** The record key as text, or an {@code null_key} / {@code key_mismatch} rejection when it is not {@code expected}. */
    static void requireKey(byte[] key, String expected) {
        if (key == null) {
            throw new InvalidRecordException("null_key", "the record has no key; expected '" + expected + "'");
        }
        String actual = new String(key, java.nio.charset.StandardCharsets.UTF_8);
        if (!actual.equals(expected)) {
            throw new InvalidRecordException("key_mismatch", "key '" + abbreviate(actual) + "' does not match the payload, which"
                + " says '" + expected + "'");
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
