package io.hebbscope.analyzer.plugin;

import io.hebbscope.analyzer.topology.LayerStepValidator;
import io.hebbscope.schema.AvroSerde;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.PluginLayerState;
import io.hebbscope.schema.PluginResult;
import io.hebbscope.schema.Topics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The plug-in branch of the analyzer: valid LayerSteps (invalid ones are dead-lettered by the main branch),
 * keyed by run/layer, assembled into full steps and handed to every plug-in; results go to each plug-in's topic.
 * Only built when plug-ins are installed: it repartitions the full tensors, doubling the traffic of the log.
 */
public final class PluginTopology {
    private PluginTopology() {}

    public static void build(StreamsBuilder builder, KStream<byte[], byte[]> rawLayerSteps, Topics topics,
                             List<AnalyzerPlugin> plugins, RunCatalog runs, PrometheusRegistry registry, int maxWaiting) {
        if (plugins.isEmpty()) {
            return;
        }
        Counter failures = Counter.builder().name("hebbscope_plugin_failures_total")
            .help("Layer steps on which a plug-in threw (it is skipped for that step)").labelNames("plugin").register(registry);
        Counter duplicates = Counter.builder().name("hebbscope_plugin_duplicate_blocks_total")
            .help("LayerStep blocks the plug-in branch ignored: seen again (branch=plugins) or of a run without a valid "
                + "RunStarted (branch=unknown_run)").labelNames("branch").register(registry);
        for (AnalyzerPlugin plugin : plugins) {
            plugin.init(new PluginContext(registry));
        }
        // Cached like the main branch's stores: a layer's state (its weights, rebuilt in float64) is rewritten every
        // step and would otherwise reach RocksDB and the changelog at every step (a replay of a demo log wrote 121 MB
        // of it for 183 MB of layer steps read); a block put and deleted within one commit never reaches them.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PluginRunner.BLOCK_STORE),
            Serdes.String(), AvroSerde.of(LayerStep.class)).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PluginRunner.STATE_STORE),
            Serdes.String(), AvroSerde.of(PluginLayerState.class)).withCachingEnabled());
        rawLayerSteps
            .mapValues((k, v) -> validOrNull(k, v), Named.as("plugin-decode"))
            .filter((k, v) -> v != null, Named.as("plugin-valid"))
            .map((k, v) -> KeyValue.pair(Keys.layer(v.getRunId(), v.getLayer()), v), Named.as("plugin-key-by-layer"))
            .repartition(Repartitioned.with(Serdes.String(), AvroSerde.of(LayerStep.class)).withName("plugin-steps"))
            .process(() -> new PluginRunner(plugins, runs, failures, duplicates, maxWaiting), Named.as("plugins"),
                PluginRunner.BLOCK_STORE, PluginRunner.STATE_STORE)
            .to((key, result, ctx) -> topics.pluginResults(result.getPlugin()).name(),
                Produced.with(Serdes.String(), AvroSerde.of(PluginResult.class)));
    }

    /** The LayerStep when the main branch would take it too (its key included), else null. */
    private static LayerStep validOrNull(byte[] key, byte[] value) {
        try {
            LayerStep step = EventCodec.get().decode(value, LayerStep.class);
            if (key == null || !Keys.layerBlock(step.getRunId(), step.getLayer(), step.getBlockIndex())
                .equals(new String(key, java.nio.charset.StandardCharsets.UTF_8))) {
                return null;
            }
            LayerStepValidator.reduce(step);
            return step;
        } catch (RuntimeException e) {
            return null;
        }
    }
}
