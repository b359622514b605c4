package io.hebbscope.bench;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.schema.Topics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.Record;

/**
 * A yardstick between ConsumerPerformance and the analyzer: a Kafka Streams application with the analyzer's own
 * settings (exactly-once, its commit interval and fetch sizes; {@link Analyzer#streamsProps}) that reads the layer-steps
 * topic from the start and does nothing with the records. What it reaches is the framework's cost of reading the topic
 * on this machine (the exactly-once read, the per-record work of a task, the commits), which every analysis on Kafka
 * Streams pays before its own work. Run in a child JVM like the other yardsticks; prints one result line.
 */
public final class StreamsReadOnly {
    /**
     * @param records          records read
     * @param bytes            bytes of their values
     * @param fromStartSeconds from the JVM's start to the commit that covers the last record
     * @param fromRunningSeconds from RUNNING, or the first record where that came earlier, to the commit that covers
     *                           the last record
     */
    record Result(long records, long bytes, double fromStartSeconds, double fromRunningSeconds) {}

    private StreamsReadOnly() {}

    private static final String USAGE = "usage: StreamsReadOnly BOOTSTRAP_SERVERS TOPIC_PREFIX RECORDS STATE_DIR";

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println(USAGE);
            System.exit(2);
        }
        long expected = args[2].matches("[0-9]{1,18}") ? Long.parseLong(args[2]) : 0;
        if (expected < 1) {
            System.err.println("RECORDS must be at least 1\n" + USAGE);
            System.exit(2);
        }
        long jvmStartMs = ManagementFactory.getRuntimeMXBean().getStartTime();
        Properties client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        Topics topics = new Topics(args[1]);
        Path state = Files.createDirectories(Path.of(args[3]));
        Analyzer.Options options = new Analyzer.Options(client, topics, args[1] + "-streams-read-only-" + System.nanoTime(),
            state, AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, BenchTopics.PARTITIONS, (short) 1);

        AtomicLong records = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicLong firstNanos = new AtomicLong();
        AtomicLong runningNanos = new AtomicLong();
        Map<Integer, Long> lastOffsets = new ConcurrentHashMap<>();
        long[] read = new long[2]; // records and bytes when the last expected record was read
        CountDownLatch done = new CountDownLatch(1);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(topics.layerSteps().name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
            .process(() -> new ContextualProcessor<byte[], byte[], Void, Void>() {
                @Override
                public void process(Record<byte[], byte[]> record) {
                    firstNanos.compareAndSet(0, System.nanoTime());
                    context().recordMetadata().ifPresent(m -> lastOffsets.merge(m.partition(), m.offset(), Math::max));
                    long b = bytes.addAndGet(record.value() == null ? 0 : record.value().length);
                    if (records.incrementAndGet() == expected) {
                        read[0] = expected;
                        read[1] = b;
                        done.countDown();
                    }
                }
            });
        String topic = topics.layerSteps().name();
        try (Admin admin = Admin.create(client);
             KafkaStreams streams = new KafkaStreams(builder.build(), Analyzer.streamsProps(options))) {
            streams.setStateListener((now, before) -> {
                if (now == KafkaStreams.State.RUNNING) {
                    runningNanos.compareAndSet(0, System.nanoTime());
                }
                if (now == KafkaStreams.State.ERROR) {
                    done.countDown();
                }
            });
            streams.start();
            done.await();
            if (read[0] < expected) {
                System.err.println("Kafka Streams failed after " + records.get() + " of " + expected + " records");
                System.exit(1);
            }
            // done when the application has committed past every record it read, as the analyzer's main path is done
            // when its last output is visible to a read_committed consumer
            while (!committedPast(admin, options.applicationId(), topic, lastOffsets)) {
                if (streams.state() == KafkaStreams.State.ERROR || !streams.state().isRunningOrRebalancing()) {
                    System.err.println("Kafka Streams stopped (" + streams.state() + ") before committing its reads");
                    System.exit(1);
                }
                Thread.sleep(5);
            }
            long endNanos = System.nanoTime();
            long endMs = System.currentTimeMillis();
            long from = runningNanos.get() == 0 ? firstNanos.get() : Math.min(runningNanos.get(), firstNanos.get());
            System.out.println(line(new Result(read[0], read[1], (endMs - jvmStartMs) / 1e3, (endNanos - from) / 1e9)));
            System.out.flush();
            streams.close(Duration.ofSeconds(30));
        }
    }

    private static boolean committedPast(Admin admin, String groupId, String topic, Map<Integer, Long> lastOffsets)
        throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
            .partitionsToOffsetAndMetadata().get();
        for (Map.Entry<Integer, Long> last : lastOffsets.entrySet()) {
            OffsetAndMetadata c = committed.get(new TopicPartition(topic, last.getKey()));
            if (c == null || c.offset() <= last.getValue()) {
                return false;
            }
        }
        return true;
    }

    static String line(Result r) {
        return String.format(Locale.ROOT,
            "read %d records, %d bytes: %.3f s from the JVM's start, %.3f s from RUNNING", r.records(), r.bytes(),
            r.fromStartSeconds(), r.fromRunningSeconds());
    }

    private static final Pattern LINE = Pattern.compile(
        "read (\\d+) records, (\\d+) bytes: ([0-9.]+) s from the JVM's start, ([0-9.]+) s from RUNNING");

    static Result parse(String output) {
        Matcher m = LINE.matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("no result line in the read-only Kafka Streams yardstick's output:\n" + output);
        }
        return new Result(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Double.parseDouble(m.group(3)),
            Double.parseDouble(m.group(4)));
    }

    /** Reads {@code records} layer steps of {@code topics} in a child JVM. */
    static Result run(Path workDir, Properties client, Topics topics, long records, Duration safetyLimit)
        throws IOException, InterruptedException {
        Path state = Files.createDirectories(workDir.resolve("streams-read-only-state-" + System.nanoTime()));
        String out = ChildJvm.run(workDir, "streams-read-only", StreamsReadOnly.class.getName(), List.of(
            client.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG), topics.prefix(), Long.toString(records),
            state.toString()), safetyLimit);
        return parse(out);
    }
}
