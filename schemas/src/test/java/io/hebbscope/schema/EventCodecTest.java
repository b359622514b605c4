package io.hebbscope.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class EventCodecTest {
    private final EventCodec codec = EventCodec.get();

    static Tensor tensor(int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.5f - 1;
        }
        return TensorCodec.encode(v, rows, cols);
    }

    static List<SpecificRecord> oneOfEach() {
        List<SpecificRecord> all = new ArrayList<>();
        all.add(RunStarted.newBuilder().setRunId("r1").setStartedAtMs(1).setTask("sre").setModel("mlp").setRule("sgd")
            .setSeed(7).setConfig(Map.of("lr", "0.01"))
            .setLayers(List.of(new LayerShape("layer0", 0, 128, 32, 64, 2)))
            .setStepsPerEpoch(78).setTotalSteps(780).setSnapshotEvery(100).build());
        all.add(new RunFinished("r1", 2L, 780L, "completed", 0.5, null));
        all.add(StepMetrics.newBuilder().setRunId("r1").setStep(3).setEpoch(0).setTrainLoss(0.2).setLearningRate(0.01)
            .setTimestampMs(5).setWeightNorms(List.of(1.0, 2.0)).build());
        all.add(LayerStep.newBuilder().setRunId("r1").setLayer("layer1").setLayerIndex(1).setStep(3).setPreviousStep(2)
            .setEpoch(0).setBlockIndex(0).setBlockCount(1).setRowOffset(0).setLayerRows(2).setLayerCols(3)
            .setGradient(tensor(2, 3)).setHebbian(tensor(2, 3)).setUpdate(tensor(2, 3)).setWeights(tensor(2, 3))
            .setTimestampMs(9).build());
        all.add(NeuronAlignment.newBuilder().setRunId("r1").setLayer("layer1").setLayerIndex(1).setStep(3).setEpoch(0)
            .setGradient(tensor(2, 1)).setSignal(tensor(2, 1)).setUpdate(tensor(2, 1)).setGradientEwma(tensor(2, 1))
            .setSignalEwma(tensor(2, 1)).setUpdateEwma(tensor(2, 1)).setHebbianNorm(tensor(2, 1)).build());
        all.add(LayerAlignment.newBuilder().setRunId("r1").setLayer("layer1").setLayerIndex(1).setStep(3).setEpoch(0)
            .setGradient(0.5).setGradientNorm(1).setSignalNorm(1).setUpdateNorm(1).setHebbianNorm(2)
            .setHebbianNeurons(1).setAntiHebbianNeurons(0).setNeutralNeurons(1).setUndefinedNeurons(0).build());
        all.add(PhaseEvent.newBuilder().setRunId("r1").setLayer("layer1").setStep(3).setDecidedAtStep(5)
            .setKind(PhaseKind.BUMP_PEAK).setDetector("bump").setValues(Map.of("peak", 0.4)).build());
        all.add(new DeadLetter("t", 0, 5L, ByteBuffer.wrap(new byte[] {1}), null, "why", 7L));
        all.add(new BlockAlignment("r1", "layer1", 1, 3L, 2L, 0, 0, 1, 0, 2, TensorCodec.encodeDoubles(new double[14], 2, 7), 5L,
            TensorCodec.encodeDoubles(new double[32], 1, 32), 2.5, 3, "t.layer-steps", 1, 9L, ByteBuffer.wrap(new byte[] {2}),
            BlockSource.STATS, true, 0.0, 0x1p-24));
        all.add(new PendingStep(3L, 2L, 0, 1, 2, List.of(0), TensorCodec.encodeDoubles(new double[14], 2, 7), 5L, null, -1.0));
        all.add(new LayerState(2L, 3L, List.of(5L), null, java.util.Arrays.asList(0.1, null, 0.3)));
        all.add(new PluginResult("p", "r1", "layer1", 3L, 0, Map.of("x", 1.0)));
        all.add(new PluginLayerState(2L, 3L, List.of(5L), List.of(4L), null, -1L));
        all.add(new LayerAdmission("r1", "layer1", true, 1, 2, 3, 2, 1, 100L, 2, 1));
        RunEvent event = new RunEvent("t.runs", 0, 4L, ByteBuffer.wrap(new byte[] {3}), ByteBuffer.wrap(new byte[] {4, 5}));
        all.add(event);
        all.add(new RunAdmission("r1", 77L, List.of("layer1"), 100L, false, 12L, 5L));
        all.add(new WaitingRecord("r1", 13L, null, event));
        all.add(LayerStats.newBuilder().setRunId("r1").setLayer("layer1").setLayerIndex(1).setStep(3).setPreviousStep(2)
            .setEpoch(0).setBlockIndex(0).setBlockCount(1).setRowOffset(0).setLayerRows(2).setLayerCols(3)
            .setSums(TensorCodec.encodeDoubles(new double[14], 2, 7)).setUpdateSketch(TensorCodec.encodeDoubles(new double[32], 1, 32))
            .setOutputSquareMean(TensorCodec.encodeDoubles(new double[2], 2, 1)).setWeightNorm(1.5).setTimestampMs(9)
            .setWithTensors(true).setRoundoff(0x1p-24).build());
        all.add(new TwinStep(3L, 1, List.of(0), 0, List.of()));
        all.add(TrainerCheckpoint.newBuilder().setRunId("r1").setStep(7).setNextEpoch(1).setNextBatch(0).setPart(0).setParts(1)
            .setTimestampMs(11).setParameters(List.of(new TensorSlice("layer0.weight", List.of(2L, 3L), 0, tensor(2, 3))))
            .setOptimizer(List.of(new TensorSlice("adam.m.0", List.of(2L, 3L), 0, tensor(2, 3))))
            .setScalars(Map.of("adam.t", 8.0)).setRngStates(List.of(new RngState("weight-noise", 1L, 2L))).build());
        return all;
    }

    @Test
    void everyEventTypeRoundTrips() {
        List<SpecificRecord> all = oneOfEach();
        assertThat(all).extracting(Object::getClass).containsExactlyInAnyOrderElementsOf(EventCodec.EVENT_TYPES);
        for (SpecificRecord record : all) {
            byte[] bytes = codec.encode(record);
            assertThat(bytes[0]).isEqualTo((byte) 0xC3);
            assertThat(codec.decodeAny(bytes)).isEqualTo(record);
            assertThat(codec.typeOf(bytes)).isEqualTo(record.getClass());
        }
    }

    @Test
    void encodingIntoAReusedStreamWritesTheSameBytes() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (SpecificRecord record : oneOfEach()) {
            out.reset();
            codec.encodeTo(record, out);
            assertThat(out.toByteArray()).as(record.getClass().getSimpleName()).isEqualTo(codec.encode(record));
        }
    }

    @Test
    void aRecordWrittenWithAnOlderSchemaIsStillRead() throws Exception {
        Schema v1;
        try (InputStream in = EventCodec.class.getResourceAsStream("history/StepMetrics-v1.avsc")) {
            v1 = new Schema.Parser().parse(in);
        }
        GenericRecord old = new GenericData.Record(v1);
        old.put("runId", "old-run");
        old.put("step", 42L);
        old.put("epoch", 1);
        old.put("trainLoss", 0.25);
        old.put("validationLoss", 0.3);
        old.put("learningRate", 0.01);
        old.put("timestampMs", 99L);
        ByteBuffer buf = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);

        StepMetrics read = codec.decode(bytes, StepMetrics.class);
        assertThat(read.getRunId()).isEqualTo("old-run");
        assertThat(read.getStep()).isEqualTo(42L);
        assertThat(read.getValidationLoss()).isEqualTo(0.3);
        assertThat(read.getValidationAccuracy()).isNull();
        assertThat(read.getWeightNorms()).isEmpty();
    }

    @Test
    void everyKnownSchemaCanBeReadByTheCurrentOne() {
        for (Schema writer : codec.knownSchemas().values()) {
            Class<?> type = EventCodec.EVENT_TYPES.stream()
                .filter(t -> SpecificData.get().getSchema(t).getFullName().equals(writer.getFullName()))
                .findFirst().orElseThrow();
            Schema reader = SpecificData.get().getSchema(type);
            assertThat(SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType())
                .as(writer.getFullName())
                .isEqualTo(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE);
        }
        assertThat(codec.knownSchemas()).hasSize(EventCodec.EVENT_TYPES.size() + EventCodec.HISTORY.size());
    }

    @Test
    void garbageIsMalformedWithAReason() {
        assertThatThrownBy(() -> codec.decodeAny(new byte[] {1, 2, 3}))
            .isInstanceOf(MalformedEventException.class).hasMessageContaining("single-object");
        byte[] unknown = {(byte) 0xC3, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0};
        assertThatThrownBy(() -> codec.decodeAny(unknown))
            .isInstanceOf(MalformedEventException.class).hasMessageContaining("unknown schema fingerprint");
        byte[] good = codec.encode(oneOfEach().get(3));
        byte[] truncated = java.util.Arrays.copyOf(good, 20);
        assertThatThrownBy(() -> codec.decode(truncated, LayerStep.class))
            .isInstanceOf(MalformedEventException.class).hasMessageContaining("cannot decode LayerStep");
        assertThatThrownBy(() -> codec.decode(good, StepMetrics.class))
            .isInstanceOf(MalformedEventException.class).hasMessageContaining("expected StepMetrics");
    }

    @Test
    void decodingIntoAReusedRecordReadsWhatAFreshDecodeReads() throws Exception {
        LayerStep small = (LayerStep) oneOfEach().get(3);
        LayerStep large = LayerStep.newBuilder(small).setLayerRows(4).setLayerCols(5).setGradient(tensor(4, 5))
            .setHebbian(tensor(4, 5)).setUpdate(tensor(4, 5)).setWeights(null).setSignal(tensor(4, 5)).build();
        LayerStep other = LayerStep.newBuilder(small).setStep(4).setPreviousStep(3)
            .setGradient(TensorCodec.encode(new float[] {9, 8, 7, 6, 5, 4}, 2, 3)).build();
        LayerStep reuse = null;
        Tensor previousGradient = null;
        // large, then smaller records into the buffers the large one left: no stale bytes or fields survive
        for (LayerStep step : List.of(large, small, other, large, small)) {
            byte[] bytes = codec.encode(step);
            LayerStep read = codec.decode(bytes, LayerStep.class, reuse);
            assertThat(read).isEqualTo(codec.decode(bytes, LayerStep.class)).isEqualTo(step);
            if (reuse != null) {
                assertThat(read).isSameAs(reuse);
                assertThat(read.getGradient()).isSameAs(previousGradient);
            }
            reuse = read;
            previousGradient = read.getGradient();
        }

        Schema v1;
        try (InputStream in = EventCodec.class.getResourceAsStream("history/LayerStep-v1.avsc")) {
            v1 = new Schema.Parser().parse(in);
        }
        GenericRecord old = new GenericData.Record(v1);
        for (Schema.Field f : v1.getFields()) {
            Object value = small.get(f.name());
            old.put(f.name(), value instanceof Tensor t ? tensorRecord(f.schema(), t) : value);
        }
        ByteBuffer buf = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
        byte[] oldBytes = new byte[buf.remaining()];
        buf.get(oldBytes);
        // the fields version 1 lacks hold non-default values in the reused record: they must come back as defaults
        LayerStep withNew = codec.decode(codec.encode(LayerStep.newBuilder(small).setWeightNorm(3.5).setWithStats(true)
            .setOutputSquareMean(tensor(2, 1)).build()), LayerStep.class, reuse);
        assertThat(codec.decode(oldBytes, LayerStep.class, withNew)).isEqualTo(codec.decode(oldBytes, LayerStep.class));
        reuse = withNew;

        byte[] truncated = java.util.Arrays.copyOf(codec.encode(large), 40);
        LayerStep into = reuse;
        assertThatThrownBy(() -> codec.decode(truncated, LayerStep.class, into))
            .isInstanceOf(MalformedEventException.class).hasMessageContaining("cannot decode LayerStep");
        // and the next record decodes whole into it
        assertThat(codec.decode(codec.encode(large), LayerStep.class, into)).isEqualTo(large);
    }

    private static Object tensorRecord(Schema schema, Tensor t) {
        Schema record = schema.getType() == Schema.Type.UNION
            ? schema.getTypes().stream().filter(s -> s.getType() == Schema.Type.RECORD).findFirst().orElseThrow() : schema;
        GenericRecord r = new GenericData.Record(record);
        for (Schema.Field f : record.getFields()) {
            Object value = t.get(f.name());
            r.put(f.name(), f.schema().getType() == Schema.Type.ENUM
                ? new GenericData.EnumSymbol(f.schema(), value.toString()) : value);
        }
        return r;
    }

    @Test
    void topicsPairNamesWithSerdes() {
        Topics topics = new Topics("lab");
        assertThat(topics.layerSteps().name()).isEqualTo("lab.layer-steps");
        assertThat(topics.layerStats().name()).isEqualTo("lab.layer-stats");
        assertThat(topics.allNames()).hasSize(9).allMatch(n -> n.startsWith("lab."));
        SpecificRecord runStarted = oneOfEach().get(0);
        byte[] bytes = topics.runs().valueSerde().serializer().serialize("x", runStarted);
        assertThat(topics.runs().valueSerde().deserializer().deserialize("x", bytes)).isEqualTo(runStarted);
        assertThatThrownBy(() -> new Topics("bad prefix")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Keys.requireValidName("run id", "a/b")).hasMessageContaining("run id 'a/b'");
    }
}
