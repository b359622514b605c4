package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.BlockAlignment;
import io.hebbscope.schema.Keys;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Validates raw LayerSteps and reduces each to its row sums, keyed by run/layer; bad records become dead letters. */
final class LayerStepDecoder implements Processor<byte[], byte[], byte[], Routed> {
    private final AnalyzerMetrics metrics;
    private ProcessorContext<byte[], Routed> context;

    LayerStepDecoder(AnalyzerMetrics metrics) {
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
        Routed out;
        try {
            BlockAlignment block = LayerStepValidator.reduce(record.value());
            out = new Routed.Good(Keys.layer(block.getRunId(), block.getLayer()), block);
        } catch (InvalidRecordException e) {
            out = DeadLetters.of(context, metrics, record.key(), record.value(), e);
        } catch (RuntimeException e) {
            out = DeadLetters.of(context, metrics, record.key(), record.value(),
                new InvalidRecordException("invalid", e.toString(), e));
        }
        context.forward(record.withValue(out));
    }
}
