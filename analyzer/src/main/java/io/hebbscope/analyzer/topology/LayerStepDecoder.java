package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.BlockAlignment;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.MalformedEventException;
import java.nio.ByteBuffer;

/**
 * Validates raw LayerSteps (their key must be runId/layer/block of the payload) and reduces each to its row sums,
 * keyed by run/layer, with where it was read; bad records become dead letters.
 */
final class LayerStepDecoder extends ValidatingProcessor {

    private final DecodeBuffers buffers = new DecodeBuffers();

    LayerStepDecoder(AnalyzerMetrics metrics) {
        super(metrics);
    }

    @Override
    Routed.Good accept(byte[] key, byte[] value, Source source) {
        LayerStep step;
        try {
            step = EventCodec.get().decode(value, LayerStep.class, buffers.step);
            buffers.step = step;
        } catch (MalformedEventException e) {
            throw new InvalidRecordException("decode", e.getMessage(), e);
        }
        requireKey(key, Keys.layerBlock(step.getRunId(), step.getLayer(), step.getBlockIndex()));
        BlockAlignment block = LayerStepValidator.reduce(step, buffers);
        block.setSourceTopic(source.topic());
        block.setSourcePartition(source.partition());
        block.setSourceOffset(source.offset());
        block.setSourceKey(ByteBuffer.wrap(key));
        return new Routed.Good(Keys.layer(block.getRunId(), block.getLayer()), block);
    }
}
