package io.hebbscope.archive;

import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerStats;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes exported runs back into a (possibly new, empty) cluster, with the same keys and values the trainer
 * produced: RunStarted first, then metrics and layer steps, RunFinished last. Streams record by record.
 */
public final class RunImporter {
    /** How long the producer may retry a record (Kafka's default is 2 min). */
    static final int DELIVERY_TIMEOUT_MS = 10 * 60 * 1000;
    private final Properties clientProps;
    private boolean served;
    private final Topics topics;

    public RunImporter(Properties clientProps, Topics topics) {
        this.clientProps = clientProps;
        this.topics = topics;
    }

    /** The run directories under {@code root} (each holds a runs.avro), sorted. */
    public static List<Path> runDirs(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toAbsolutePath().toString(), null, "no export directory here");
        }
        try (Stream<Path> dirs = Files.list(root)) {
            List<Path> out = dirs.filter(d -> Files.isRegularFile(d.resolve(RunArchive.RUNS))).sorted().toList();
            if (out.isEmpty()) {
                throw new NoSuchFileException(root.resolve("*").resolve(RunArchive.RUNS).toAbsolutePath().toString(), null,
                    "no exported run found");
            }
            return out;
        }
    }

    /** Imports every run under {@code root}; returns the number of records written. */
    public long importAll(Path root, LongConsumer progress) throws IOException {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicSetup.MAX_MESSAGE_BYTES);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // A batch tool on possibly busy machines: a record may wait this long for its partition before import fails.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, DELIVERY_TIMEOUT_MS);
        AtomicReference<Exception> failure = new AtomicReference<>();
        long[] written = {0};
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            EventCodec codec = EventCodec.get();
            for (Path dir : runDirs(root)) {
                List<RunFinished> finished = new ArrayList<>();
                read(dir.resolve(RunArchive.RUNS), true, e -> {
                    if (e instanceof RunStarted s) {
                        send(producer, topics.runs().name(), Keys.runStarted(s.getRunId()), codec.encode(s), failure);
                    } else if (e instanceof RunFinished f) {
                        finished.add(f);
                    }
                });
                read(dir.resolve(RunArchive.TRAIN_METRICS), false, e -> send(producer, topics.trainMetrics().name(),
                    ((StepMetrics) e).getRunId(), codec.encode(e), failure));
                read(dir.resolve(RunArchive.LAYER_STEPS), false, e -> {
                    LayerStep s = (LayerStep) e;
                    send(producer, topics.layerSteps().name(), Keys.layerBlock(s.getRunId(), s.getLayer(), s.getBlockIndex()),
                        codec.encode(s), failure);
                    written[0]++;
                    if (written[0] % 100 == 0) {
                        progress.accept(written[0]);
                    }
                });
                read(dir.resolve(RunArchive.LAYER_STATS), false, e -> {
                    LayerStats s = (LayerStats) e;
                    send(producer, topics.layerStats().name(), Keys.layerBlock(s.getRunId(), s.getLayer(), s.getBlockIndex()),
                        codec.encode(s), failure);
                    written[0]++;
                });
                for (RunFinished f : finished) {
                    send(producer, topics.runs().name(), Keys.runFinished(f.getRunId()), codec.encode(f), failure);
                }
                producer.flush();
                if (failure.get() != null) {
                    throw new IOException("writing " + dir + " to Kafka failed: " + failure.get(), failure.get());
                }
            }
        }
        progress.accept(written[0]);
        return written[0];
    }

    private interface EventSink {
        void accept(SpecificRecord event) throws IOException;
    }

    private static void read(Path file, boolean required, EventSink sink) throws IOException {
        if (!Files.isRegularFile(file)) {
            if (required) {
                throw new NoSuchFileException(file.toAbsolutePath().toString(), null, "missing exported file");
            }
            return;
        }
        try (DataFileReader<SpecificRecord> reader = new DataFileReader<>(file.toFile(), new SpecificDatumReader<>())) {
            while (reader.hasNext()) {
                sink.accept(reader.next());
            }
        } catch (IOException | org.apache.avro.AvroRuntimeException e) {
            throw new IOException("cannot read " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    private void send(KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value,
                      AtomicReference<Exception> failure) {
        if (!served) {
            // Topics created just before (by import itself or anyone) may not have leaders yet: producing then races
            // the partitions' creation and can expire batches (stack notes). Before the first record (once a file
            // has been read), wait until every partition is served.
            TopicSetup.awaitServing(clientProps, List.of(topics.runs().name(), topics.trainMetrics().name(),
                topics.layerSteps().name(), topics.layerStats().name()), TopicSetup.SERVING_TIMEOUT);
            served = true;
        }
        producer.send(new ProducerRecord<>(topic, key, value), (m, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        });
    }
}
