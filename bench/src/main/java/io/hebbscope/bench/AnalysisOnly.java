package io.hebbscope.bench;

import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.analyzer.topology.AnalyzerTopology;
import io.hebbscope.schema.Topics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
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
 * exactly-once commits or a second process beside it. Its rate is what decoding, reducing, assembling, the detectors,
 * the metrics and the encoding of the outputs cost on one core; the gap to the main path is what the broker round
 * trips (repartition, outputs, changelogs) and the sharing of the cores add. The log is read once (read_committed),
 * then passed through a fresh topology {@code rounds} times; the first rounds warm the JIT up. Run in a child JVM like
 * the yardsticks; prints one result line.
 */
public final class AnalysisOnly {
    /**
     * @param layerSteps    layer-step records per round
     * @param bytes         bytes of their values
     * @param alignments    LayerAlignments the last round produced (one per layer step when the log is whole)
     * @param roundSeconds  each round's time, in order
     */
    record Result(long layerSteps, long bytes, long alignments, double[] roundSeconds) {
        /** The fastest round: the code warmed up, the fewest interruptions from the rest of the machine. */
        double bestSeconds() {
            return Arrays.stream(roundSeconds).min().orElseThrow();
        }
    }

    private record Input(String topic, byte[] key, byte[] value, long timestamp) {}

    private AnalysisOnly() {}

    private static final String USAGE = "usage: AnalysisOnly BOOTSTRAP_SERVERS TOPIC_PREFIX ROUNDS";

    public static void main(String[] args) throws Exception {
        if (args.length != 3 || !args[2].matches("[1-9][0-9]*")) {
            System.err.println(USAGE);
            System.exit(2);
        }
        Topics topics = new Topics(args[1]);
        List<Input> inputs = read(args[0], topics);
        String layerSteps = topics.layerSteps().name();
        long records = inputs.stream().filter(i -> i.topic().equals(layerSteps)).count();
        long bytes = inputs.stream().filter(i -> i.topic().equals(layerSteps)).mapToLong(i -> i.value().length).sum();
        int rounds = Integer.parseInt(args[2]);
        double[] seconds = new double[rounds];
        long alignments = 0;
        for (int r = 0; r < rounds; r++) {
            Path state = Files.createTempDirectory("hebbscope-analysis-only");
            try {
                long[] produced = new long[1];
                seconds[r] = round(topics, inputs, state, produced);
                alignments = produced[0];
            } finally {
                BenchHarness.deleteRecursively(state);
            }
        }
        System.out.println(line(new Result(records, bytes, alignments, seconds)));
    }

    /** Every record of the analyzer's input topics, committed ones only, in timestamp order across the topics. */
    private static List<Input> read(String bootstrapServers, Topics topics) {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, io.hebbscope.schema.TopicSetup.MAX_MESSAGE_BYTES);
        List<Input> inputs = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
            for (String topic : topics.inputNames()) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofMinutes(2)).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        inputs.add(new Input(topic, r.key(), r.value(), r.timestamp()));
                    }
                }
            }
        }
        inputs.sort(Comparator.comparingLong(Input::timestamp)); // stable: a topic's own order within a timestamp
        return inputs;
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
            var out = driver.createOutputTopic(topics.layerAlignment().name(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
            long start = System.nanoTime();
            for (Input i : inputs) {
                in.get(i.topic()).pipeInput(i.key(), i.value(), i.timestamp());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            alignments[0] = out.getQueueSize();
            return seconds;
        }
    }

    static String line(Result r) {
        StringBuilder rounds = new StringBuilder();
        for (double s : r.roundSeconds()) {
            rounds.append(rounds.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", s));
        }
        return String.format(Locale.ROOT, "analysed %d layer steps, %d bytes, %d alignments; rounds (s): %s",
            r.layerSteps(), r.bytes(), r.alignments(), rounds);
    }

    private static final Pattern LINE = Pattern.compile(
        "analysed (\\d+) layer steps, (\\d+) bytes, (\\d+) alignments; rounds \\(s\\): ([0-9. ]+)");

    static Result parse(String output) {
        Matcher m = LINE.matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("no result line in the analysis-only run's output:\n" + output);
        }
        double[] rounds = Arrays.stream(m.group(4).trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
        return new Result(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), rounds);
    }

    /**
     * Runs it in a child JVM over {@code topics}; fails unless the last round produced {@code expectedAlignments}
     * LayerAlignments (every layer step of the stored runs analyzed).
     */
    static Result run(Path workDir, Properties client, Topics topics, int rounds, long expectedAlignments,
                      Duration safetyLimit) throws IOException, InterruptedException {
        // the whole log in memory: the long log's gigabyte and each round's state and outputs
        String out = ChildJvm.run(workDir, "analysis-only", AnalysisOnly.class.getName(), List.of(
            client.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG), topics.prefix(), Integer.toString(rounds)),
            safetyLimit, List.of("-Xmx4g"));
        Result r = parse(out);
        if (r.alignments() != expectedAlignments) {
            throw new IllegalStateException("the analysis-only run produced " + r.alignments() + " LayerAlignments, not "
                + expectedAlignments + "; its output:\n" + out);
        }
        return r;
    }
}
