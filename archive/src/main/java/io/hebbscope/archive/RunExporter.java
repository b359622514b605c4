package io.hebbscope.archive;

import io.hebbscope.schema.TopicPartitions;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.MalformedEventException;
import io.hebbscope.schema.Topics;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.LongConsumer;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Streams the input topics of chosen runs (or all) into Avro container files, one record at a time, so memory
 * stays bounded whatever the run's size. Undecodable records are skipped and counted (the analyzer
 * dead-letters them too).
 */
public final class RunExporter {
    /** What an export wrote. */
    public record Summary(Map<String, Long> recordsPerRun, long bytes, long skipped) {}

    private final Properties clientProps;
    private final Topics topics;

    public RunExporter(Properties clientProps, Topics topics) {
        this.clientProps = clientProps;
        this.topics = topics;
    }

    /** Records currently in the input topics (an upper bound for a progress bar). */
    public long totalRecords() {
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            long total = 0;
            for (String topic : inputTopics()) {
                List<TopicPartition> parts = TopicPartitions.of(c, topic);
                Map<TopicPartition, Long> begin = c.beginningOffsets(parts);
                Map<TopicPartition, Long> end = c.endOffsets(parts);
                for (TopicPartition tp : parts) {
                    total += end.get(tp) - begin.get(tp);
                }
            }
            return total;
        }
    }

    /**
     * Exports every record up to the topics' current ends.
     *
     * @param runIds   runs to export; empty for all
     * @param progress called with the number of records read so far
     */
    public Summary export(Set<String> runIds, Path outDir, LongConsumer progress) throws IOException {
        Files.createDirectories(outDir);
        Map<String, Long> perRun = new HashMap<>();
        long[] read = {0};
        long[] skipped = {0};
        try (Writers writers = new Writers(outDir);
             KafkaConsumer<String, byte[]> c = consumer()) {
            for (String topic : inputTopics()) {
                List<TopicPartition> parts = TopicPartitions.assignFromBeginning(c, topic);
                Map<TopicPartition, Long> end = c.endOffsets(parts);
                while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                        if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                            continue;
                        }
                        read[0]++;
                        String runId = r.key() == null ? null : r.key().split("/", 2)[0];
                        if (r.value() == null || runId == null || (!runIds.isEmpty() && !runIds.contains(runId))) {
                            continue;
                        }
                        SpecificRecord event;
                        try {
                            event = EventCodec.get().decodeAny(r.value());
                        } catch (MalformedEventException e) {
                            skipped[0]++;
                            continue;
                        }
                        writers.write(runId, topic, event);
                        perRun.merge(runId, 1L, Long::sum);
                    }
                    progress.accept(read[0]);
                }
            }
            long bytes = writers.bytes();
            return new Summary(perRun, bytes, skipped[0]);
        }
    }

    private List<String> inputTopics() {
        return List.of(topics.runs().name(), topics.trainMetrics().name(), topics.layerSteps().name(),
            topics.layerStats().name());
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200);
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** One open container file per (run, topic). */
    private final class Writers implements Closeable {
        private final Path outDir;
        private final Map<String, DataFileWriter<SpecificRecord>> open = new HashMap<>();
        private final Map<String, Path> paths = new HashMap<>();

        Writers(Path outDir) {
            this.outDir = outDir;
        }

        void write(String runId, String topic, SpecificRecord event) throws IOException {
            String key = runId + "|" + topic;
            DataFileWriter<SpecificRecord> w = open.get(key);
            if (w == null) {
                Path dir = RunArchive.runDir(outDir, runId);
                Files.createDirectories(dir);
                Schema schema;
                String file;
                if (topic.equals(topics.runs().name())) {
                    schema = RunArchive.RUNS_SCHEMA;
                    file = RunArchive.RUNS;
                } else if (topic.equals(topics.layerSteps().name())) {
                    schema = RunArchive.LAYER_STEPS_SCHEMA;
                    file = RunArchive.LAYER_STEPS;
                } else if (topic.equals(topics.layerStats().name())) {
                    schema = RunArchive.LAYER_STATS_SCHEMA;
                    file = RunArchive.LAYER_STATS;
                } else {
                    schema = RunArchive.TRAIN_METRICS_SCHEMA;
                    file = RunArchive.TRAIN_METRICS;
                }
                w = new DataFileWriter<>(new SpecificDatumWriter<SpecificRecord>(schema));
                w.setCodec(CodecFactory.nullCodec());
                Path path = dir.resolve(file);
                w.create(schema, path.toFile());
                open.put(key, w);
                paths.put(key, path);
            }
            w.append(event);
        }

        long bytes() throws IOException {
            for (DataFileWriter<SpecificRecord> w : open.values()) {
                w.flush();
            }
            long total = 0;
            for (Path p : paths.values()) {
                total += Files.size(p);
            }
            return total;
        }

        @Override
        public void close() throws IOException {
            IOException first = null;
            for (DataFileWriter<SpecificRecord> w : open.values()) {
                try {
                    w.close();
                } catch (IOException e) {
                    first = first == null ? e : first;
                }
            }
            if (first != null) {
                throw new UncheckedIOException(first);
            }
        }
    }
}
