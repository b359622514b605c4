package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.DeadLetter;
import java.nio.ByteBuffer;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds dead letters that say where a record came from and why it was rejected, and counts them. */
final class DeadLetters {
    private DeadLetters() {}

    /** For the record being processed: source topic, partition and offset from the context. */
    static Routed.Dead of(ProcessorContext<?, ?> context, AnalyzerMetrics metrics, byte[] key, byte[] value,
                          InvalidRecordException why) {
        RecordMetadata meta = context.recordMetadata().orElse(null);
        return of(context, metrics, meta == null ? "unknown" : meta.topic(), meta == null ? -1 : meta.partition(),
            meta == null ? -1L : meta.offset(), key, value, why);
    }

    /** For a record read earlier (it waited, or came through a repartition topic): where it was read is given. */
    static Routed.Dead of(ProcessorContext<?, ?> context, AnalyzerMetrics metrics, String topic, int partition, long offset,
                          byte[] key, byte[] value, InvalidRecordException why) {
        metrics.deadLetters.labelValues(topic, why.category()).inc();
        DeadLetter letter = new DeadLetter(topic, partition, offset,
            key == null ? null : ByteBuffer.wrap(key), value == null ? null : ByteBuffer.wrap(value),
            why.category() + ": " + why.getMessage(), context.currentSystemTimeMs());
        return new Routed.Dead(key, letter);
    }
}
