package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.BlockAlignment;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerStats;
import io.hebbscope.schema.MalformedEventException;
import java.nio.ByteBuffer;

/**
 * Validates raw LayerStats (their key must be runId/layer/block of the payload, as a LayerStep's) and turns each into
 * the block alignment a LayerStep would reduce to, keyed by run/layer, with where it was read; bad ones are dead
 * letters. Whether the run exists and the block fits it is the step assembler's to check, as for LayerSteps.
 */
final class LayerStatsDecoder extends ValidatingProcessor {

    LayerStatsDecoder(AnalyzerMetrics metrics) {
        super(metrics);
    }

    @Override
    Routed.Good accept(byte[] key, byte[] value, Source source) {
        LayerStats stats;
        try {
            stats = EventCodec.get().decode(value, LayerStats.class);
        } catch (MalformedEventException e) {
            throw new InvalidRecordException("decode", e.getMessage(), e);
        }
        requireKey(key, Keys.layerBlock(stats.getRunId(), stats.getLayer(), stats.getBlockIndex()));
        BlockAlignment block = LayerStatsValidator.reduce(stats);
        block.setSourceTopic(source.topic());
        block.setSourcePartition(source.partition());
        block.setSourceOffset(source.offset());
        block.setSourceKey(ByteBuffer.wrap(key));
        return new Routed.Good(Keys.layer(block.getRunId(), block.getLayer()), block);
    }
}
