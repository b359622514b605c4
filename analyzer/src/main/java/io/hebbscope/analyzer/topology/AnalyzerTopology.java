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
import io.hebbscope.schema.Topics;
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
 * layer-steps --decode/validate/reduce--> (run/layer) repartition --assemble/align--> neuron-alignment, layer-alignment
 * train-metrics, runs --validate--> gauges
 * every rejected record --> dead-letters
 * </pre>
 */
public final class AnalyzerTopology {
    private AnalyzerTopology() {}

    /** Builds the topology; returns the raw layer-steps stream for further branches (plug-ins). */
    public static KStream<byte[], byte[]> build(StreamsBuilder builder, Topics topics, AnalyzerSettings settings,
                                                AnalyzerMetrics metrics) {
        builder.addStateStore(Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StepAssembler.PENDING_STORE), Serdes.String(), AvroSerde.of(PendingStep.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StepAssembler.LAYER_STORE), Serdes.String(), AvroSerde.of(LayerState.class)));

        KStream<byte[], byte[]> layerSteps = raw(builder, topics.layerSteps().name());
        KStream<byte[], Routed> decoded = layerSteps
            .process(() -> new LayerStepDecoder(metrics), Named.as("decode-layer-steps"));
        KStream<String, Routed> assembled = decoded
            .filter((k, v) -> v instanceof Routed.Good, Named.as("valid-layer-steps"))
            .map((k, v) -> KeyValue.pair(((Routed.Good) v).key(), (BlockAlignment) ((Routed.Good) v).value()),
                Named.as("key-by-layer"))
            .repartition(Repartitioned.with(Serdes.String(), AvroSerde.of(BlockAlignment.class)).withName("blocks"))
            .process(() -> new StepAssembler(settings, metrics), Named.as("assemble-steps"),
                StepAssembler.PENDING_STORE, StepAssembler.LAYER_STORE);

        assembled.filter((k, v) -> v instanceof Routed.Good g && g.value() instanceof NeuronAlignment, Named.as("neuron-outputs"))
            .mapValues(v -> (NeuronAlignment) ((Routed.Good) v).value())
            .to(topics.neuronAlignment().name(), Produced.with(Serdes.String(), topics.neuronAlignment().valueSerde()));
        assembled.filter((k, v) -> v instanceof Routed.Good g && g.value() instanceof LayerAlignment, Named.as("layer-outputs"))
            .mapValues(v -> (LayerAlignment) ((Routed.Good) v).value())
            .to(topics.layerAlignment().name(), Produced.with(Serdes.String(), topics.layerAlignment().valueSerde()));

        KStream<byte[], Routed> metricsRejects = raw(builder, topics.trainMetrics().name())
            .process(() -> new TrainMetricsProcessor(metrics), Named.as("train-metrics"));
        KStream<byte[], Routed> runsRejects = raw(builder, topics.runs().name())
            .process(() -> new RunsProcessor(metrics), Named.as("runs"));

        KStream<byte[], Routed> assemblerRejects = assembled
            .filter((k, v) -> v instanceof Routed.Dead, Named.as("inconsistent-blocks"))
            .selectKey((k, v) -> ((Routed.Dead) v).key());
        decoded.filter((k, v) -> v instanceof Routed.Dead, Named.as("invalid-layer-steps"))
            .merge(metricsRejects).merge(runsRejects).merge(assemblerRejects)
            .mapValues(v -> (DeadLetter) ((Routed.Dead) v).letter())
            .to(topics.deadLetters().name(), Produced.with(Serdes.ByteArray(), topics.deadLetters().valueSerde()));
        return layerSteps;
    }

    private static KStream<byte[], byte[]> raw(StreamsBuilder builder, String topic) {
        return builder.stream(topic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()));
    }
}
