package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.AvroSerde;
import io.hebbscope.schema.BlockAlignment;
import io.hebbscope.schema.DeadLetter;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.LayerState;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.PendingStep;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The analyzer's topology, shared by the application and its TopologyTestDriver tests:
 * <pre>
 * layer-steps --decode/validate/reduce--> (run/layer) repartition --+
 * layer-stats --decode/validate--------> (run/layer) repartition --+--check twins/assemble/align/detect-->
 *                                                                      neuron-alignment, layer-alignment, phases
 * train-metrics, runs --validate--> gauges
 * every rejected record --> dead-letters
 * </pre>
 */
public final class AnalyzerTopology {
    private AnalyzerTopology() {}

    public static KStream<byte[], byte[]> build(StreamsBuilder builder, Topics topics, AnalyzerSettings settings,
                                                AnalyzerMetrics metrics) {
        return build(builder, topics, topics, settings, metrics);
    }

    /**
     * Reads the input topics (runs, layer-steps, train-metrics) of {@code in} and writes the derived topics
     * (neuron-alignment, layer-alignment, phases, dead-letters) of {@code out}: a replay reads a stored log and
     * writes its results beside the live ones. Returns the raw layer-steps stream for further branches (plug-ins).
     */
    public static KStream<byte[], byte[]> build(StreamsBuilder builder, Topics in, Topics out, AnalyzerSettings settings,
                                                AnalyzerMetrics metrics) {
        return build(builder, in, out, settings, metrics, Set.of());
    }

    /** The same, reading only the records of {@code runs} (all when empty): a replay of chosen runs. */
    public static KStream<byte[], byte[]> build(StreamsBuilder builder, Topics in, Topics out, AnalyzerSettings settings,
                                                AnalyzerMetrics metrics, Set<String> runs) {
        Topics topics = in;
        // Cached stores: a key rewritten every step (a layer's state, its detectors) reaches RocksDB and the
        // changelog once per commit instead of once per step, and a pending step that is put and deleted
        // within one commit never reaches them at all.
        builder.addStateStore(Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StepAssembler.PENDING_STORE), Serdes.String(), AvroSerde.of(PendingStep.class))
            .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StepAssembler.LAYER_STORE), Serdes.String(), AvroSerde.of(LayerState.class))
            .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StepAssembler.DETECTOR_STORE), Serdes.String(), Serdes.ByteArray())
            .withCachingEnabled());

        KStream<byte[], byte[]> layerSteps = raw(builder, topics.layerSteps().name(), runs);
        KStream<byte[], Routed> decoded = layerSteps
            .process(() -> new LayerStepDecoder(metrics), Named.as("decode-layer-steps"));
        // The trainer's statistics: the same blocks without tensors, decoded in tasks of their own (a step's tensors
        // take the stream thread seconds to reduce; the statistics of the next steps are not held up behind them).
        KStream<byte[], Routed> decodedStats = raw(builder, topics.layerStats().name(), runs)
            .process(() -> new LayerStatsDecoder(metrics), Named.as("decode-layer-stats"));
        TwinCheck.addStores(builder);
        KStream<String, Routed> checked = decoded
            .filter((k, v) -> v instanceof Routed.Good, Named.as("valid-layer-steps"))
            .map((k, v) -> KeyValue.pair(((Routed.Good) v).key(), (BlockAlignment) ((Routed.Good) v).value()),
                Named.as("key-by-layer"))
            .repartition(Repartitioned.with(Serdes.String(), AvroSerde.of(BlockAlignment.class)).withName("blocks"))
            .merge(decodedStats
                .filter((k, v) -> v instanceof Routed.Good, Named.as("valid-layer-stats"))
                .map((k, v) -> KeyValue.pair(((Routed.Good) v).key(), (BlockAlignment) ((Routed.Good) v).value()),
                    Named.as("key-stats-by-layer"))
                .repartition(Repartitioned.with(Serdes.String(), AvroSerde.of(BlockAlignment.class)).withName("stats-blocks")),
                Named.as("layer-blocks"))
            .process(() -> new TwinCheck(settings, metrics), Named.as("check-twins"), TwinCheck.STEPS_STORE,
                TwinCheck.BLOCKS_STORE);
        KStream<String, Routed> assembled = checked
            .filter((k, v) -> v instanceof Routed.Good, Named.as("checked-blocks"))
            .mapValues(v -> (BlockAlignment) ((Routed.Good) v).value(), Named.as("checked-block-values"))
            .process(() -> new StepAssembler(settings, metrics), Named.as("assemble-steps"),
                StepAssembler.PENDING_STORE, StepAssembler.LAYER_STORE, StepAssembler.DETECTOR_STORE);

        assembled.filter((k, v) -> v instanceof Routed.Good g && g.value() instanceof NeuronAlignment, Named.as("neuron-outputs"))
            .mapValues(v -> (NeuronAlignment) ((Routed.Good) v).value())
            .to(out.neuronAlignment().name(), Produced.with(Serdes.String(), out.neuronAlignment().valueSerde()));
        assembled.filter((k, v) -> v instanceof Routed.Good g && g.value() instanceof LayerAlignment, Named.as("layer-outputs"))
            .mapValues(v -> (LayerAlignment) ((Routed.Good) v).value())
            .to(out.layerAlignment().name(), Produced.with(Serdes.String(), out.layerAlignment().valueSerde()));
        assembled.filter((k, v) -> v instanceof Routed.Good g && g.value() instanceof PhaseEvent, Named.as("phase-outputs"))
            .mapValues(v -> (PhaseEvent) ((Routed.Good) v).value())
            .to(out.phases().name(), Produced.with(Serdes.String(), out.phases().valueSerde()));

        KStream<byte[], Routed> metricsRejects = raw(builder, topics.trainMetrics().name(), runs)
            .process(() -> new TrainMetricsProcessor(metrics), Named.as("train-metrics"));
        KStream<byte[], Routed> runsRejects = raw(builder, topics.runs().name(), runs)
            .process(() -> new RunsProcessor(metrics), Named.as("runs"));

        KStream<byte[], Routed> assemblerRejects = assembled
            .filter((k, v) -> v instanceof Routed.Dead, Named.as("inconsistent-blocks"))
            .selectKey((k, v) -> ((Routed.Dead) v).key())
            .merge(checked.filter((k, v) -> v instanceof Routed.Dead, Named.as("mismatched-twins"))
                .selectKey((k, v) -> ((Routed.Dead) v).key()));
        decoded.filter((k, v) -> v instanceof Routed.Dead, Named.as("invalid-layer-steps"))
            .merge(decodedStats.filter((k, v) -> v instanceof Routed.Dead, Named.as("invalid-layer-stats")))
            .merge(metricsRejects).merge(runsRejects).merge(assemblerRejects)
            .mapValues(v -> (DeadLetter) ((Routed.Dead) v).letter())
            .to(out.deadLetters().name(), Produced.with(Serdes.ByteArray(), out.deadLetters().valueSerde()));
        return layerSteps;
    }

    private static KStream<byte[], byte[]> raw(StreamsBuilder builder, String topic, Set<String> runs) {
        KStream<byte[], byte[]> stream = builder.stream(topic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()));
        if (runs.isEmpty()) {
            return stream;
        }
        // Every key starts with the run id: runId, runId/started, runId/layer/block.
        return stream.filter((k, v) -> k != null && runs.contains(new String(k, StandardCharsets.UTF_8).split("/", 2)[0]),
            Named.as("runs-of-" + topic));
    }
}
