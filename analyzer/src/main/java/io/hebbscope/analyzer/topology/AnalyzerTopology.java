package io.hebbscope.analyzer.topology;

import io.hebbscope.analyzer.AdmissionSettings;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.schema.AvroSerde;
import io.hebbscope.schema.DeadLetter;
import io.hebbscope.schema.LayerAdmission;
import io.hebbscope.schema.RunAdmission;
import io.hebbscope.schema.RunEvent;
import io.hebbscope.schema.WaitingRecord;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.LayerState;
import io.hebbscope.schema.NeuronAlignment;
import io.hebbscope.schema.PendingStep;
import io.hebbscope.schema.PhaseEvent;
import io.hebbscope.schema.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
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
 * runs, train-metrics --decode/validate--> run-events (one partition) --admit runs--> gauges, admitted layers
 * layer-steps --decode/validate/reduce--> (run/layer) repartition, with the admitted layers --+
 * layer-stats --decode/validate--------> (run/layer) repartition ----------------------------+
 *              --check against the run/check twins/assemble/align/detect--> neuron-alignment, layer-alignment, phases
 * every rejected record --> dead-letters
 * </pre>
 * Four sub-topologies, so four tasks per partition: the decoding of layer-steps with the admission of runs (their
 * merge joins them), the decoding of layer-stats, the decoding of runs and train-metrics, and the assembly. Kafka
 * Streams checks every input partition of a task before each record it processes (and formats a log text for each
 * empty one, whatever the log level), so a task reads only what its stage needs; and the stages' tasks can go to
 * different stream threads.
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
        AdmissionSettings admission = settings.admission();
        // Cached stores: a key rewritten every step (a layer's state, its detectors) reaches RocksDB and the
        // changelog once per commit instead of once per step. A key put and deleted within one commit still
        // reaches both as a tombstone, so the assembler keeps the steps it releases at once out of its store.
        builder.addStateStore(Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StepAssembler.PENDING_STORE), Serdes.String(), AvroSerde.of(PendingStep.class))
            .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StepAssembler.LAYER_STORE), Serdes.String(), AvroSerde.of(LayerState.class))
            .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StepAssembler.DETECTOR_STORE), Serdes.String(), Serdes.ByteArray())
            .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StepAssembler.ADMISSION_STORE), Serdes.String(), AvroSerde.of(LayerAdmission.class))
            .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(StepAssembler.WAITING_STORE), Serdes.String(), AvroSerde.of(WaitingRecord.class))
            .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(RunAdmissions.RUNS_STORE), Serdes.String(), AvroSerde.of(RunAdmission.class))
            .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(RunAdmissions.WAITING_STORE), Serdes.String(), AvroSerde.of(WaitingRecord.class))
            .withCachingEnabled());
        TwinCheck.addStores(builder);

        // Stage 1, per input partition: decode and validate (keys included); rejects become dead letters.
        KStream<byte[], byte[]> layerSteps = raw(builder, topics.layerSteps().name(), runs);
        KStream<byte[], Routed> decoded = layerSteps
            .process(() -> new LayerStepDecoder(metrics), Named.as("decode-layer-steps"));
        // The trainer's statistics: the same blocks without tensors, decoded by a processor of their own.
        KStream<byte[], Routed> decodedStats = raw(builder, topics.layerStats().name(), runs)
            .process(() -> new LayerStatsDecoder(metrics), Named.as("decode-layer-stats"));
        KStream<byte[], Routed> metricsDecoded = raw(builder, topics.trainMetrics().name(), runs)
            .process(() -> new TrainMetricsProcessor(metrics), Named.as("train-metrics"));
        KStream<byte[], Routed> runsDecoded = raw(builder, topics.runs().name(), runs)
            .process(() -> new RunsDecoder(metrics), Named.as("runs"));

        // The admission of runs: RunStarted, RunFinished and StepMetrics meet in one task (one partition).
        KStream<String, Routed> admitted = runsDecoded.filter((k, v) -> v instanceof Routed.Good, Named.as("valid-runs"))
            .merge(metricsDecoded.filter((k, v) -> v instanceof Routed.Good, Named.as("valid-train-metrics")))
            .map((k, v) -> KeyValue.pair(((Routed.Good) v).key(), (RunEvent) ((Routed.Good) v).value()), Named.as("key-by-run"))
            .repartition(Repartitioned.with(Serdes.String(), AvroSerde.of(RunEvent.class)).withName("run-events")
                .withNumberOfPartitions(1))
            .process(() -> new RunAdmissions(admission, metrics), Named.as("admit-runs"),
                RunAdmissions.RUNS_STORE, RunAdmissions.WAITING_STORE);

        // Stage 3, per (run, layer): admitted layers, their tensor blocks and their statistics blocks meet in the step
        // assembler, which checks both kinds of block against the run and a step published both ways once.
        // The two repartition topics must have as many partitions as each other (Analyzer checks layer-steps and
        // layer-stats before it starts), so that a layer's blocks of both kinds reach the same task.
        KStream<String, SpecificRecord> statsBlocks = decodedStats
            .filter((k, v) -> v instanceof Routed.Good, Named.as("valid-layer-stats"))
            .map((k, v) -> KeyValue.pair(((Routed.Good) v).key(), ((Routed.Good) v).value()), Named.as("key-stats-by-layer"))
            .repartition(Repartitioned.with(Serdes.String(), AvroSerde.ofAny()).withName("stats-blocks"));
        KStream<String, Routed> assembled = decoded
            .filter((k, v) -> v instanceof Routed.Good, Named.as("valid-layer-steps"))
            .map((k, v) -> KeyValue.pair(((Routed.Good) v).key(), ((Routed.Good) v).value()), Named.as("key-by-layer"))
            .merge(admitted.filter((k, v) -> v instanceof Routed.Good, Named.as("admitted-layers"))
                .mapValues(v -> ((Routed.Good) v).value(), Named.as("layer-admissions")))
            .repartition(Repartitioned.with(Serdes.String(), AvroSerde.ofAny()).withName("blocks"))
            .merge(statsBlocks, Named.as("layer-blocks"))
            .process(() -> new StepAssembler(settings, metrics), Named.as("assemble-steps"),
                StepAssembler.PENDING_STORE, StepAssembler.LAYER_STORE, StepAssembler.DETECTOR_STORE,
                StepAssembler.ADMISSION_STORE, StepAssembler.WAITING_STORE, TwinCheck.STEPS_STORE, TwinCheck.BLOCKS_STORE);

        assembled.filter((k, v) -> v instanceof Routed.Good g && g.value() instanceof NeuronAlignment, Named.as("neuron-outputs"))
            .mapValues(v -> (NeuronAlignment) ((Routed.Good) v).value())
            .to(out.neuronAlignment().name(), Produced.with(Serdes.String(), out.neuronAlignment().valueSerde()));
        assembled.filter((k, v) -> v instanceof Routed.Good g && g.value() instanceof LayerAlignment, Named.as("layer-outputs"))
            .mapValues(v -> (LayerAlignment) ((Routed.Good) v).value())
            .to(out.layerAlignment().name(), Produced.with(Serdes.String(), out.layerAlignment().valueSerde()));
        assembled.filter((k, v) -> v instanceof Routed.Good g && g.value() instanceof PhaseEvent, Named.as("phase-outputs"))
            .mapValues(v -> (PhaseEvent) ((Routed.Good) v).value())
            .to(out.phases().name(), Produced.with(Serdes.String(), out.phases().valueSerde()));

        // Each stage writes its own dead letters: merging them would join every stage into one sub-topology, whose
        // task would read all seven input partitions (see the class comment).
        deadLetters(assembled.filter((k, v) -> v instanceof Routed.Dead, Named.as("inconsistent-blocks")), out);
        deadLetters(admitted.filter((k, v) -> v instanceof Routed.Dead, Named.as("rejected-runs")), out);
        deadLetters(decoded.filter((k, v) -> v instanceof Routed.Dead, Named.as("invalid-layer-steps")), out);
        deadLetters(decodedStats.filter((k, v) -> v instanceof Routed.Dead, Named.as("invalid-layer-stats")), out);
        deadLetters(metricsDecoded.filter((k, v) -> v instanceof Routed.Dead, Named.as("invalid-train-metrics")), out);
        deadLetters(runsDecoded.filter((k, v) -> v instanceof Routed.Dead, Named.as("invalid-runs")), out);
        return layerSteps;
    }

    private static <K> void deadLetters(KStream<K, Routed> rejects, Topics out) {
        rejects.map((k, v) -> KeyValue.pair(((Routed.Dead) v).key(), (DeadLetter) ((Routed.Dead) v).letter()))
            .to(out.deadLetters().name(), Produced.with(Serdes.ByteArray(), out.deadLetters().valueSerde()));
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
