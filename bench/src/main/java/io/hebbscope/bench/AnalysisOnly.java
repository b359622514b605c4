package io.hebbscope.bench;

import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.StoreLibrary;
import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.analyzer.topology.AnalyzerTopology;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * The analysis alone: the analyzer's topology ({@link AnalyzerTopology}, the same code as the main path) in Kafka's
 * {@link TopologyTestDriver}, fed the stored log's records from memory on one thread, without a broker, a consumer,
 * exactly-once transactions or a second process beside it. Its rate is what decoding, reducing, assembling, the
 * detectors, the metrics and the encoding of the outputs cost on one core; the gap to the main path is what the
 * broker round trips (repartition, outputs, changelogs) and the sharing of the cores add. Two differences make it a
 * lower bound on the analysis's own rate: the driver commits after every input record, so the cached stores reach
 * RocksDB at every step (the analyzer writes them once per commit interval); and it passes each record through every
 * stage before the next, where the analyzer batches. The records enter in the order a Kafka Streams task takes them:
 * each partition in offset order, the partition whose next record has the smallest timestamp first. The log is read
 * once (read_committed), then passed through a fresh topology {@code rounds} times; what the driver captured is
 * drained between batches of inputs (outside the timing) so that memory stays flat. Run in a child JVM like the
 * yardsticks; prints one result line.
 */
public final class AnalysisOnly {
    /**
     * @param layerSteps    layer-step records per round
     * @param bytes         bytes of their values
     * @param alignments    LayerAlignments the last round produced (one per layer step when the log is whole)
     * @param roundSeconds  each round's time, in order
     * @param gcSeconds     the collectors' time within each round (as the JVM's collector beans count it)
     */
    record Result(long layerSteps, long bytes, long alignments, double[] roundSeconds, double[] gcSeconds) {
        /** The fastest round: the code warmed up, the fewest interruptions from the rest of the machine. */
        double bestSeconds() {
            return Arrays.stream(roundSeconds).min().orElseThrow();
        }
    }

    private record Input(String topic, byte[] key, byte[] value, long timestamp) {}

    private AnalysisOnly() {}

    private static final String USAGE = "usage: AnalysisOnly BOOTSTRAP_SERVERS TOPIC_PREFIX ROUNDS STATE_DIR";
    /** Inputs between two drains of what the driver captured. */
    private static final int DRAIN_EVERY = 500;

    public static void main(String[] args) throws Exception {
        if (args.length != 4 || !args[2].matches("[1-9][0-9]*")) {
            System.err.println(USAGE);
            System.exit(2);
        }
        StoreLibrary.load();
        Topics topics = new Topics(args[1]);
        List<Input> inputs = read(args[0], topics);
        String layerSteps = topics.layerSteps().name();
        long records = inputs.stream().filter(i -> i.topic().equals(layerSteps)).count();
        long bytes = inputs.stream().filter(i -> i.topic().equals(layerSteps)).mapToLong(i -> i.value().length).sum();
        int rounds = Integer.parseInt(args[2]);
        double[] seconds = new double[rounds];
        double[] gc = new double[rounds];
        long alignments = 0;
        for (int r = 0; r < rounds; r++) {
            Path state = Files.createTempDirectory(Files.createDirectories(Path.of(args[3])), "round");
            try {
                long gcBefore = gcMillis();
                long[] produced = new long[1];
                seconds[r] = round(topics, inputs, state, produced);
                gc[r] = (gcMillis() - gcBefore) / 1e3;
                alignments = produced[0];
            } finally {
                BenchHarness.deleteRecursively(state);
            }
        }
        System.out.println(line(new Result(records, bytes, alignments, seconds, gc)));
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(b -> Math.max(0, b.getCollectionTime()))
            .sum();
    }

    /**
     * Every committed record of the analyzer's input topics, in the order a task takes them: each partition in offset
     * order, and of the partitions' next records the one with the smallest timestamp first (the earlier partition on
     * a tie).
     */
    private static List<Input> read(String bootstrapServers, Topics topics) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, TopicSetup.MAX_MESSAGE_BYTES);
        List<List<Input>> partitions = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
            for (String topic : topics.inputNames()) {
                List<TopicPartition> assigned = consumer.partitionsFor(topic, Duration.ofMinutes(2)).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
                consumer.assign(assigned);
                consumer.seekToBeginning(assigned);
                Map<TopicPartition, Long> end = consumer.endOffsets(assigned);
                Map<TopicPartition, List<Input>> byPartition = new HashMap<>();
                assigned.forEach(tp -> byPartition.put(tp, new ArrayList<>()));
                while (assigned.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        byPartition.get(new TopicPartition(r.topic(), r.partition()))
                            .add(new Input(topic, r.key(), r.value(), r.timestamp()));
                    }
                }
                assigned.forEach(tp -> partitions.add(byPartition.get(tp)));
            }
        }
        List<Input> merged = new ArrayList<>();
        int[] next = new int[partitions.size()];
        PriorityQueue<Integer> heads = new PriorityQueue<>(Comparator
            .comparingLong((Integer i) -> partitions.get(i).get(next[i]).timestamp()).thenComparingInt(i -> i));
        for (int i = 0; i < partitions.size(); i++) {
            if (!partitions.get(i).isEmpty()) {
                heads.add(i);
            }
        }
        while (!heads.isEmpty()) {
            int i = heads.poll();
            merged.add(partitions.get(i).get(next[i]++));
            if (next[i] < partitions.get(i).size()) {
                heads.add(i);
            }
        }
        return merged;
    }

    private static double round(Topics topics, List<Input> inputs, Path state, long[] alignments) {
        StreamsBuilder builder = new StreamsBuilder();
        AnalyzerTopology.build(builder, topics, AnalyzerSettings.DEFAULTS,
            new AnalyzerMetrics(new PrometheusRegistry(), AnalyzerSettings.DEFAULTS.maxNeuronSeriesWidth()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "hebbscope-analysis-only");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            Map<String, TestInputTopic<byte[], byte[]>> in = new HashMap<>();
            for (String topic : topics.inputNames()) {
                in.put(topic, driver.createInputTopic(topic, new ByteArraySerializer(), new ByteArraySerializer()));
            }
            long nanos = 0;
            for (int from = 0; from < inputs.size(); from += DRAIN_EVERY) {
                long start = System.nanoTime();
                for (Input i : inputs.subList(from, Math.min(inputs.size(), from + DRAIN_EVERY))) {
                    in.get(i.topic()).pipeInput(i.key(), i.value(), i.timestamp());
                }
                nanos += System.nanoTime() - start;
                alignments[0] += drain(driver, topics.layerAlignment().name());
            }
            return nanos / 1e9;
        }
    }

    /** Drops what the driver captured (outputs, repartition and changelog records); returns the LayerAlignments. */
    private static long drain(TopologyTestDriver driver, String layerAlignment) {
        long found = 0;
        for (String topic : driver.producedTopicNames()) {
            var captured = driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            long n = captured.getQueueSize();
            captured.readRecordsToList();
            if (topic.equals(layerAlignment)) {
                found += n;
            }
        }
        return found;
    }

    static String line(Result r) {
        return String.format(Locale.ROOT, "analysed %d layer steps, %d bytes, %d alignments; rounds (s): %s; gc (s): %s",
            r.layerSteps(), r.bytes(), r.alignments(), seconds(r.roundSeconds()), seconds(r.gcSeconds()));
    }

    private static String seconds(double[] values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", v));
        }
        return sb.toString();
    }

    private static final Pattern LINE = Pattern.compile("analysed (\\d+) layer steps, (\\d+) bytes, (\\d+) alignments; "
        + "rounds \\(s\\): ([0-9. ]+); gc \\(s\\): ([0-9. ]+)");

    static Result parse(String output) {
        Matcher m = LINE.matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("no result line in the analysis-only run's output:\n" + output);
        }
        return new Result(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
            numbers(m.group(4)), numbers(m.group(5)));
    }

    private static double[] numbers(String text) {
        return Arrays.stream(text.trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
    }

    /**
     * Runs it in a child JVM over {@code topics}; fails unless the last round produced {@code expectedAlignments}
     * LayerAlignments (every layer step of the stored runs analyzed).
     */
    static Result run(Path workDir, Properties client, Topics topics, int rounds, long expectedAlignments,
                      Duration safetyLimit) throws IOException, InterruptedException {
        // the whole log in memory: the long log's gigabyte, and each round's state
        Path state = workDir.resolve("analysis-only-state");
        String out = ChildJvm.run(workDir, "analysis-only", AnalysisOnly.class.getName(), List.of(
            client.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG), topics.prefix(), Integer.toString(rounds),
            state.toString()), safetyLimit, List.of("-Xmx4g"));
        Result r = parse(out);
        if (r.alignments() != expectedAlignments) {
            throw new IllegalStateException("the analysis-only run produced " + r.alignments() + " LayerAlignments, not "
                + expectedAlignments + "; its output:\n" + out);
        }
        return r;
    }
}
