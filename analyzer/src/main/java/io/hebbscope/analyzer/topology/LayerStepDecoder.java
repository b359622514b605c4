package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.BlockAlignment;
import io.hebbscope.schema.Keys;

/** Validates raw LayerSteps and reduces each to its row sums, keyed by run/layer; bad records become dead letters. */
final class LayerStepDecoder extends ValidatingProcessor {

    LayerStepDecoder(AnalyzerMetrics metrics) {
        super(metrics);
    }

    @Override
    Routed.Good accept(byte[] value) {
        BlockAlignment block = LayerStepValidator.reduce(value);
        return new Routed.Good(Keys.layer(block.getRunId(), block.getLayer()), block);
    }
}
