package io.hebbscope.analyzer;

import io.hebbscope.analyzer.metrics.AnalyzerMetrics;
import io.hebbscope.analyzer.metrics.MetricsAuth;
import io.hebbscope.analyzer.plugin.AnalyzerPlugin;
import io.hebbscope.analyzer.plugin.PluginTopology;
import io.hebbscope.analyzer.plugin.RunCatalog;
import io.hebbscope.analyzer.topology.AnalyzerTopology;
import io.hebbscope.schema.TopicSetup;
import org.apache.kafka.common.config.TopicConfig;
import io.hebbscope.schema.Topics;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.kafka.streams.CloseOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running analyzer: the topology in a KafkaStreams instance (exactly_once_v2) and the Prometheus
 * endpoint. One instance per process; more instances with the same application id share the partitions.
 */
public final class Analyzer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Analyzer.class);
    /**
     * Stream threads per instance. One by default: on the 2-core development machine a second thread neither sped up
     * a replay (44.6-57.5 vs 50.8-59.2 MB/s over 703 MB) nor cut the lag behind three full-speed trainers (15 s vs
     * 21 s behind): the analyzer is CPU-bound there, not waiting on commits. More threads pay off on more cores.
     */
    public static final int DEFAULT_STREAM_THREADS = 1;

    /**
     * @param clientProps    bootstrap servers and any security settings, shared with the other clients
     * @param applicationId  the Kafka Streams application id (a replay uses a new one)
     * @param metricsHost    interface the metrics endpoint binds to (127.0.0.1 by default)
     * @param metricsPort    its port; 0 picks a free one; negative disables the endpoint
     * @param outputTopics   where the derived topics (alignment, phases, dead letters) go; normally
     *                       {@code topics}, another prefix for a replay beside the live results
     * @param finishedRunRetention how long a finished run's metric series stay after their last update
     * @param runs           analyze only these runs (a replay of chosen runs); empty for all
     * @param metricsAuth    who may scrape the metrics endpoint (HTTP basic authentication); null: anyone
     */
    public record Options(Properties clientProps, Topics topics, String applicationId, Path stateDir,
                          AnalyzerSettings settings, String metricsHost, int metricsPort, int partitions,
                          short replication, Topics outputTopics, Duration finishedRunRetention, Set<String> runs,
                          MetricsAuth metricsAuth, int streamThreads, int minInsyncReplicas) {
        public Options {
            runs = Set.copyOf(runs);
            TopicSetup.requireValidReplicas(replication, minInsyncReplicas);
            if (streamThreads < 1) {
                throw new IllegalArgumentException("stream threads must be >= 1, got " + streamThreads);
            }
        }

        /** Reads and writes the topics of one prefix; finished runs' series stay 10 min. */
        public Options(Properties clientProps, Topics topics, String applicationId, Path stateDir,
                       AnalyzerSettings settings, String metricsHost, int metricsPort, int partitions, short replication) {
            this(clientProps, topics, applicationId, stateDir, settings, metricsHost, metricsPort, partitions, replication,
                topics, AnalyzerMetrics.DEFAULT_FINISHED_RUN_RETENTION, Set.of(), null, DEFAULT_STREAM_THREADS, -1);
        }

        public Options withFinishedRunRetention(Duration retention) {
            return new Options(clientProps, topics, applicationId, stateDir, settings, metricsHost, metricsPort, partitions,
                replication, outputTopics, retention, runs, metricsAuth, streamThreads, minInsyncReplicas);
        }

        public Options withOutputTopics(Topics output) {
            return new Options(clientProps, topics, applicationId, stateDir, settings, metricsHost, metricsPort, partitions,
                replication, output, finishedRunRetention, runs, metricsAuth, streamThreads, minInsyncReplicas);
        }

        public Options withRuns(Set<String> only) {
            return new Options(clientProps, topics, applicationId, stateDir, settings, metricsHost, metricsPort, partitions,
                replication, outputTopics, finishedRunRetention, only, metricsAuth, streamThreads, minInsyncReplicas);
        }

        /** The metrics endpoint asks for HTTP basic authentication; null: it does not. */
        /** Kafka Streams threads of this instance: its tasks are spread over them (see DEFAULT_STREAM_THREADS). */
        public Options withStreamThreads(int threads) {
            return new Options(clientProps, topics, applicationId, stateDir, settings, metricsHost, metricsPort, partitions,
                replication, outputTopics, finishedRunRetention, runs, metricsAuth, threads, minInsyncReplicas);
        }

        /**
         * {@code min.insync.replicas} of the topics this analyzer creates, its own internal ones included (-1: the
         * broker's default).
         */
        public Options withMinInsyncReplicas(int minIsr) {
            return new Options(clientProps, topics, applicationId, stateDir, settings, metricsHost, metricsPort, partitions,
                replication, outputTopics, finishedRunRetention, runs, metricsAuth, streamThreads, minIsr);
        }

        public Options withMetricsAuth(MetricsAuth auth) {
            return new Options(clientProps, topics, applicationId, stateDir, settings, metricsHost, metricsPort, partitions,
                replication, outputTopics, finishedRunRetention, runs, auth, streamThreads, minInsyncReplicas);
        }
    }

    private final KafkaStreams streams;
    private final HTTPServer server;
    private final AnalyzerMetrics metrics;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicReference<Instant> firstRunning = new AtomicReference<>();
    private final CountDownLatch running = new CountDownLatch(1);
    private final RunCatalog runCatalog;

    private Analyzer(Options options, List<AnalyzerPlugin> plugins) {
        if (options.outputTopics().prefix().equals(options.topics().prefix())) {
            // what it reads and writes (not the trainers' checkpoints, which it has no rights on in a secured cluster)
            List<String> own = new java.util.ArrayList<>(options.topics().inputNames());
            own.addAll(options.topics().outputNames());
            TopicSetup.ensureTopics(options.clientProps(), options.topics(), options.partitions(), options.replication(),
                options.minInsyncReplicas(), own);
        } else {
            // only what this analyzer reads and writes: a replay needs no rights on the live analyzer's outputs
            TopicSetup.ensureTopics(options.clientProps(), options.topics(), options.partitions(), options.replication(),
                options.minInsyncReplicas(), options.topics().inputNames());
            TopicSetup.ensureTopics(options.clientProps(), options.outputTopics(), options.partitions(), options.replication(),
                options.minInsyncReplicas(), options.outputTopics().outputNames());
        }
        TopicSetup.requireSamePartitions(options.clientProps(),
            List.of(options.topics().layerSteps().name(), options.topics().layerStats().name()));
        StoreLibrary.load(); // before Kafka Streams loads it its own way, into a temporary copy
        PrometheusRegistry registry = new PrometheusRegistry();
        metrics = new AnalyzerMetrics(registry, options.settings().maxNeuronSeriesWidth(), options.finishedRunRetention(),
            System::currentTimeMillis, options.settings().admission().maxActiveRuns());
        metrics.inputTopics(options.topics().layerSteps().name(), options.topics().trainMetrics().name(),
            options.topics().runs().name(), options.topics().layerStats().name());
        StreamsBuilder builder = new StreamsBuilder();
        KStream<byte[], byte[]> layerSteps = AnalyzerTopology.build(builder, options.topics(), options.outputTopics(),
            options.settings(), metrics, options.runs());
        if (!plugins.isEmpty()) {
            TopicSetup.ensureTopics(options.clientProps(), plugins.stream()
                .map(p -> options.outputTopics().pluginResults(p.id()).name()).toList(), options.partitions(), options.replication(),
                options.minInsyncReplicas());
            runCatalog = new RunCatalog(options.clientProps(), options.topics().runs().name());
            PluginTopology.build(builder, layerSteps, options.outputTopics(), plugins, runCatalog, registry,
                options.settings().maxWaitingSteps());
        } else {
            runCatalog = null;
        }
        streams = new KafkaStreams(builder.build(), streamsProps(options));
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("analyzer stopped on an unexpected error", e);
            failure.set(e);
            running.countDown(); // awaitRunning reports the failure at once
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                firstRunning.compareAndSet(null, Instant.now());
            }
            if (now == KafkaStreams.State.RUNNING || now == KafkaStreams.State.ERROR) {
                running.countDown();
            }
        });
        try {
            if (options.metricsPort() < 0) {
                server = null;
            } else {
                HTTPServer.Builder http = HTTPServer.builder().hostname(options.metricsHost()).port(options.metricsPort())
                    .registry(registry);
                if (options.metricsAuth() != null) {
                    http.authenticator(options.metricsAuth().authenticator());
                }
                server = http.buildAndStart();
            }
        } catch (IOException e) {
            streams.close();
            metrics.close();
            if (runCatalog != null) {
                runCatalog.close();
            }
            throw new UncheckedIOException("cannot serve metrics on " + options.metricsHost() + ":" + options.metricsPort()
                + ": " + e.getMessage(), e);
        }
        streams.start();
    }

    /** Creates missing topics, starts the streams application and the metrics endpoint. */
    public static Analyzer start(Options options) {
        return new Analyzer(options, List.of());
    }

    /** The same with plug-in analyzers (see {@link io.hebbscope.analyzer.plugin.Plugins} to discover them). */
    public static Analyzer start(Options options, List<AnalyzerPlugin> plugins) {
        return new Analyzer(options, plugins);
    }

    /**
     * The Kafka Streams settings the analyzer runs with (exactly-once, commit interval, fetch sizes, static membership);
     * the bench's read-only Kafka Streams yardstick runs with them too.
     */
    public static Properties streamsProps(Options options) {
        Properties p = new Properties();
        p.putAll(options.clientProps());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, options.applicationId());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, options.stateDir().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        // max.task.idle.ms stays at its default (0): a task reads the layer admissions and tensor blocks from one
        // repartition topic and the statistics blocks from another, and the default keeps them in timestamp order
        // where the broker has both. The twin check depends on that order: it keeps at most maxWaitingSteps steps of
        // one source waiting for the other, and with -1 a backlog of small statistics blocks runs ahead of the tensor
        // blocks past that window, so twins would go unchecked. Disabling it (-1) skipped 3-5 % of the stream thread
        // (Kafka Streams 4.4 formats a log message each time it checks an empty partition); docs/performance.md.
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, options.streamThreads());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) options.replication());
        if (options.minInsyncReplicas() > 0) { // the changelog and repartition topics, like the topics it creates
            p.put(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG), options.minInsyncReplicas());
        }
        p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), TopicSetup.MAX_MESSAGE_BYTES);
        // Alignments and detector windows are random-looking floats: lz4 saved little and cost a native call per batch.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "none");
        // Static membership: an analyzer restarted after a crash (same state directory) takes its partitions back
        // at once, instead of waiting for the dead member's session to time out and a rebalance.
        p.putIfAbsent(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
            options.applicationId() + "-" + instanceId(options.stateDir()));
        // LayerStep records are up to ~0.5 MB: the default 1 MB per-partition fetch would return a handful at a time.
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), TopicSetup.MAX_MESSAGE_BYTES);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG), 4 * TopicSetup.MAX_MESSAGE_BYTES);
        // Blocks become readable in the repartition topic only when the upstream transaction commits; a fetch
        // parked for the default 500 ms would hold each step that long between the two stages.
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 50);
        // The same for the restore consumer: a task's changelogs join it while it waits out a fetch of another
        // task's (empty) changelogs, and the task stays restoring until that fetch returns.
        p.put(StreamsConfig.restoreConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 50);
        return p;
    }

    /** A random id kept in the state directory: the same for every start of this analyzer instance. */
    static String instanceId(Path stateDir) {
        Path file = stateDir.resolve("hebbscope-instance-id");
        try {
            Files.createDirectories(stateDir);
            if (Files.exists(file)) {
                String id = Files.readString(file).trim();
                if (!id.isEmpty()) {
                    return id;
                }
            }
            String id = UUID.randomUUID().toString();
            Files.writeString(file, id);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the analyzer's instance id in " + file + ": " + e.getMessage(), e);
        }
    }

    /** Waits until the application is RUNNING; throws if it failed (as soon as it does) or the timeout passed. */
    public void awaitRunning(Duration timeout) throws InterruptedException {
        boolean settled = running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Throwable failed = failure.get();
        if (failed != null) {
            throw new IllegalStateException("the analyzer failed", failed);
        }
        if (!settled || streams.state() == KafkaStreams.State.ERROR || firstRunning.get() == null) {
            throw new IllegalStateException("analyzer not running after " + timeout.toSeconds() + " s (state "
                + streams.state() + ")");
        }
    }

    /** When the application first reached RUNNING, by the system clock; null before. */
    public Instant firstRunning() {
        return firstRunning.get();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** The error that stopped the analyzer, or null. */
    public Throwable failure() {
        return failure.get();
    }

    public AnalyzerMetrics metrics() {
        return metrics;
    }

    /** The port the metrics endpoint listens on, or -1 when disabled. */
    public int metricsPort() {
        return server == null ? -1 : server.getPort();
    }

    @Override
    public void close() {
        // a static member stays in the group after a plain close: leave, so the partitions move on at once
        streams.close(CloseOptions.timeout(Duration.ofSeconds(30))
            .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        if (server != null) {
            server.close();
        }
        metrics.close();
        if (runCatalog != null) {
            runCatalog.close();
        }
    }
}
