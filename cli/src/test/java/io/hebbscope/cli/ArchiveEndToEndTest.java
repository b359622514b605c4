package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.archive.RunArchive;
import io.hebbscope.archive.RunExporter;
import io.hebbscope.archive.RunImporter;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.Topic;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export a run to Avro files, import it into a fresh cluster, and analyze it there: same events, same results. */
class ArchiveEndToEndTest {
    private static EmbeddedKafkaBroker original;
    private static EmbeddedKafkaBroker fresh;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        original = EmbeddedKafkaBroker.builder().build().start();
        fresh = EmbeddedKafkaBroker.builder().build().start();
    }

    @AfterAll
    static void stop() {
        original.close();
        fresh.close();
    }

    private static Properties client(EmbeddedKafkaBroker broker) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        return p;
    }

    @Test
    void exportImportAndReanalyzeGiveTheSameEventsAndResults() throws Exception {
        Topics topics = new Topics("arch");
        Properties a = client(original);
        Properties b = client(fresh);
        io.hebbscope.schema.TopicSetup.ensureTopics(a, topics, 2, (short) 1);
        for (String run : List.of("keep-me", "other-run")) {
            TrainerConfig config = TrainerConfig.builder().runId(run).trainSize(400).validationSize(100).batchSize(100)
                .epochs(2).learningRate(0.05).weightDecay(5e-4).seed(run.length()).build();
            // statistics every step, tensors every second step: both kinds of layer events go through the archive
            try (EventPublisher publisher = new EventPublisher(a, topics,
                new PublishPolicy(2, 4, io.hebbscope.schema.DType.FLOAT32, 64 * 1024, 1))) {
                new Trainer(config).run(publisher);
            }
        }
        List<LayerAlignment> originalResults = analyze(a, topics, "arch-a");

        Path out = dir.resolve("export");
        RunExporter.Summary summary = new RunExporter(a, topics).export(Set.of("keep-me"), out, n -> { });
        assertThat(summary.recordsPerRun()).containsOnlyKeys("keep-me");
        // any Avro tool reads the files: the schema is in the header
        try (DataFileReader<GenericRecord> r = new DataFileReader<>(out.resolve("keep-me").resolve(RunArchive.LAYER_STEPS).toFile(),
            new GenericDatumReader<>())) {
            assertThat(r.getSchema().getFullName()).isEqualTo("io.hebbscope.schema.LayerStep");
            assertThat(r.next().get("runId").toString()).isEqualTo("keep-me");
        }

        io.hebbscope.schema.TopicSetup.ensureTopics(b, topics, 3, (short) 1);
        new RunImporter(b, topics).importAll(out, n -> { });
        assertThat(out.resolve("keep-me").resolve(RunArchive.LAYER_STATS)).isRegularFile();
        for (Topic<?, ?> t : List.of(topics.runs(), topics.layerSteps(), topics.trainMetrics(), topics.layerStats())) {
            assertThat(rawRecords(b, t.name(), null)).as(t.name()).isEqualTo(rawRecords(a, t.name(), "keep-me"));
        }
        List<LayerAlignment> reanalyzed = analyze(b, topics, "arch-b");
        assertThat(reanalyzed).isEqualTo(originalResults.stream().filter(l -> l.getRunId().equals("keep-me")).toList());
    }

    @Test
    void missingAndTruncatedFilesAreNamed() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("nothing"));
        assertThatThrownBy(() -> RunImporter.runDirs(empty)).hasMessageContaining(empty.toAbsolutePath().toString());
        Path run = Files.createDirectories(dir.resolve("broken").resolve("r1"));
        Files.write(run.resolve(RunArchive.RUNS), new byte[] {'O', 'b', 'j', 1, 0, 0});
        assertThatThrownBy(() -> new RunImporter(client(fresh), new Topics("broken")).importAll(dir.resolve("broken"), n -> { }))
            .isInstanceOf(IOException.class).hasMessageContaining(run.resolve(RunArchive.RUNS).toAbsolutePath().toString());
    }

    /** Runs an analyzer over the topics until both runs' layers are analyzed; returns the layer results sorted. */
    private static List<LayerAlignment> analyze(Properties client, Topics topics, String appId) throws Exception {
        try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, topics, appId, dir.resolve(appId),
            AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, 2, (short) 1))) {
            analyzer.awaitRunning(Duration.ofMinutes(5));
            List<LayerAlignment> results = new ArrayList<>();
            long expected = countSteps(client, topics);
            await().atMost(Duration.ofMinutes(5)).until(() -> {
                results.clear();
                results.addAll(TopicReader.readAll(client, topics.layerAlignment()));
                return results.size() >= expected;
            });
            results.sort(Comparator.comparing(LayerAlignment::getRunId).thenComparing(LayerAlignment::getLayer)
                .thenComparingLong(LayerAlignment::getStep));
            return results;
        }
    }

    /** (run, layer, step) combinations in the layer-steps and layer-stats topics. */
    private static long countSteps(Properties client, Topics topics) {
        return java.util.stream.Stream.concat(
                TopicReader.readAll(client, topics.layerSteps()).stream().map(s -> s.getRunId() + "/" + s.getLayer() + "/" + s.getStep()),
                TopicReader.readAll(client, topics.layerStats()).stream().map(s -> s.getRunId() + "/" + s.getLayer() + "/" + s.getStep()))
            .distinct().count();
    }

    record Raw(String key, byte[] value, long offset) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Raw r && r.key.equals(key) && java.util.Arrays.equals(r.value, value);
        }

        @Override
        public int hashCode() {
            return key.hashCode();
        }
    }

    /** Key and value bytes of every record, sorted by key then value, optionally of one run only. */
    static List<Raw> rawRecords(Properties client, String topic, String runId) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        List<Raw> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            var end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(300))) {
                    if (runId == null || r.key().startsWith(runId + "/") || r.key().equals(runId)) {
                        out.add(new Raw(r.key(), r.value(), r.offset()));
                    }
                }
            }
        }
        out.sort(Comparator.comparing(Raw::key).thenComparing(r -> java.util.Arrays.hashCode(r.value)));
        return out;
    }
}
