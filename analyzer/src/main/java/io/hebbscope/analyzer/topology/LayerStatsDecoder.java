package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.BlockAlignment;
import io.hebbscope.schema.Keys;

/** Validates raw LayerStats and turns each into the block alignment a LayerStep would reduce to; bad ones are dead letters. */
final class LayerStatsDecoder extends ValidatingProcessor {

    LayerStatsDecoder(AnalyzerMetrics metrics) {
        super(metrics);
    }

    @Override
    Routed.Good accept(byte[] value) {
        BlockAlignment block = LayerStatsValidator.reduce(value);
        return new Routed.Good(Keys.layer(block.getRunId(), block.getLayer()), block);
    }
}
