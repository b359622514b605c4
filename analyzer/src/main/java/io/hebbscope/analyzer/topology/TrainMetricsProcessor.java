package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.MalformedEventException;
import io.hebbscope.schema.StepMetrics;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/** Turns StepMetrics into loss and weight-norm gauges; bad records become dead letters. */
final class TrainMetricsProcessor implements Processor<byte[], byte[], byte[], Routed> {
    private final AnalyzerMetrics metrics;
    private ProcessorContext<byte[], Routed> context;

    TrainMetricsProcessor(AnalyzerMetrics metrics) {
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
        try {
            StepMetrics m = EventCodec.get().decode(record.value(), StepMetrics.class);
            if (!Double.isFinite(m.getTrainLoss())) {
                throw new InvalidRecordException("non_finite", "train loss is " + m.getTrainLoss());
            }
            metrics.stepMetrics(m);
        } catch (MalformedEventException e) {
            context.forward(record.withValue(DeadLetters.of(context, metrics, record.key(), record.value(),
                new InvalidRecordException("decode", e.getMessage(), e))));
        } catch (InvalidRecordException e) {
            context.forward(record.withValue(DeadLetters.of(context, metrics, record.key(), record.value(), e)));
        }
    }
}
