package io.hebbscope.bench;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Kafka's own perf tools, the yardsticks: {@code org.apache.kafka.tools.ProducerPerformance} and
 * {@code ConsumerPerformance} from {@code kafka-tools} of the build's Kafka version, each in a child JVM on this
 * JVM's classpath, their result line parsed. Both tools count MB as 2^20 bytes; results here are converted to
 * 10^6 bytes like every other figure of the bench.
 */
final class KafkaPerfTools {
    static final String PRODUCER_PERFORMANCE = "org.apache.kafka.tools.ProducerPerformance";
    static final String CONSUMER_PERFORMANCE = "org.apache.kafka.tools.ConsumerPerformance";
    private static final double MIB_TO_MB = 1024.0 * 1024.0 / 1e6;
    private static final Duration SAFETY_LIMIT = Duration.ofMinutes(20);

    private KafkaPerfTools() {}

    /**
     * @param records          records sent (steady state: after the warm-up records)
     * @param recordsPerSecond as the tool reports it
     * @param mbPerSecond      10^6 bytes per second
     * @param recordSize       bytes per record
     * @param steadyState      whether the figures exclude the warm-up records
     */
    record ProducerResult(long records, double recordsPerSecond, double mbPerSecond, int recordSize, boolean steadyState) {}

    /**
     * @param records               records consumed
     * @param mb                    10^6 bytes of keys and values consumed
     * @param mbPerSecond           over the whole run, group join included
     * @param fetchMbPerSecond      after the group join (the tool's fetch.MB.sec)
     * @param recordsPerSecond      over the whole run
     * @param fetchRecordsPerSecond after the group join
     */
    record ConsumerResult(long records, double mb, double mbPerSecond, double fetchMbPerSecond, double recordsPerSecond,
                          double fetchRecordsPerSecond) {}

    /** Sends {@code records} records of {@code recordSize} bytes to {@code topic} with {@code producerProps}. */
    static ProducerResult producerPerformance(Path workDir, Properties producerProps, String topic, long records,
                                              long warmupRecords, int recordSize) throws IOException, InterruptedException {
        Path config = write(workDir.resolve("producer-performance.properties"), producerProps);
        List<String> args = new ArrayList<>(List.of("--topic", topic, "--num-records", Long.toString(records),
            "--record-size", Integer.toString(recordSize), "--throughput", "-1", "--command-config", config.toString()));
        if (warmupRecords > 0 && warmupRecords < records) {
            args.addAll(List.of("--warmup-records", Long.toString(warmupRecords)));
        }
        String out = ChildJvm.run(workDir, "producer-performance", PRODUCER_PERFORMANCE, args, SAFETY_LIMIT);
        return parseProducer(out, recordSize);
    }

    /** Reads {@code records} records of {@code topic} from the beginning as a new consumer group. */
    static ConsumerResult consumerPerformance(Path workDir, Properties consumerProps, String bootstrapServers, String topic,
                                              long records) throws IOException, InterruptedException {
        Path config = write(workDir.resolve("consumer-performance.properties"), consumerProps);
        List<String> args = List.of("--bootstrap-server", bootstrapServers, "--topic", topic, "--num-records",
            Long.toString(records), "--group", "bench-consumer-performance-" + System.nanoTime(), "--command-config",
            config.toString(), "--timeout", "120000");
        String out = ChildJvm.run(workDir, "consumer-performance", CONSUMER_PERFORMANCE, args, SAFETY_LIMIT);
        return parseConsumer(out);
    }

    /** The consumer settings the analyzer's Kafka Streams consumer uses for layer steps, for a like-for-like read. */
    static Properties analyzerLikeConsumer(Properties client, int maxMessageBytes) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(maxMessageBytes));
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(4 * maxMessageBytes));
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return p;
    }

    private static final Pattern PRODUCER_TOTAL = Pattern.compile(
        "^(\\d+)( steady state)? records sent, ([0-9.]+) records/sec \\(([0-9.]+) MB/sec\\).*50th.*$", Pattern.MULTILINE);

    /** The tool's summary line (the steady-state one when there is one). */
    static ProducerResult parseProducer(String output, int recordSize) {
        Matcher m = PRODUCER_TOTAL.matcher(output);
        ProducerResult total = null;
        ProducerResult steady = null;
        while (m.find()) {
            ProducerResult r = new ProducerResult(Long.parseLong(m.group(1)), Double.parseDouble(m.group(3)),
                Double.parseDouble(m.group(4)) * MIB_TO_MB, recordSize, m.group(2) != null);
            if (r.steadyState()) {
                steady = r;
            } else {
                total = r;
            }
        }
        if (steady != null) {
            return steady;
        }
        if (total != null) {
            return total;
        }
        throw new IllegalStateException("no result line in ProducerPerformance's output:\n" + output);
    }

    /**
     * The tool's result line: {@code start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg,
     * nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec}.
     */
    static ConsumerResult parseConsumer(String output) {
        if (output.contains("WARNING: Exiting before consuming the expected number")) {
            throw new IllegalStateException("ConsumerPerformance stopped before reading every record:\n" + output);
        }
        String[] lines = output.split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            String[] f = lines[i].split(",\\s*");
            if (f.length == 10 && !f[2].startsWith("data.")) {
                try {
                    return new ConsumerResult(Long.parseLong(f[4].trim()), Double.parseDouble(f[2]) * MIB_TO_MB,
                        Double.parseDouble(f[3]) * MIB_TO_MB, Double.parseDouble(f[8]) * MIB_TO_MB,
                        Double.parseDouble(f[5]), Double.parseDouble(f[9].trim()));
                } catch (NumberFormatException e) {
                    // not the result line
                }
            }
        }
        throw new IllegalStateException("no result line in ConsumerPerformance's output:\n" + output);
    }

    private static Path write(Path file, Properties props) throws IOException {
        Properties strings = new Properties();
        props.forEach((k, v) -> strings.setProperty(k.toString(), String.valueOf(v)));
        try (Writer w = Files.newBufferedWriter(file)) {
            strings.store(w, "written by hebbscope bench");
        }
        return file;
    }
}
