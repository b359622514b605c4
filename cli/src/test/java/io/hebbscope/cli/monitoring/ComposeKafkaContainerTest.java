package io.hebbscope.cli.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.schema.LayerAlignment;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A short pipeline against the Kafka image of docker-compose.yml, where a Docker engine is available; skipped
 * elsewhere with the reason (this project's machines have none: the compose file is checked structurally there).
 */
class ComposeKafkaContainerTest {
    @TempDir
    Path stateDir;

    /** In each test (not @BeforeAll), so that the skip and its reason show in the test report. */
    @BeforeEach
    void needsDocker() {
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            docker = false;
        }
        Assumptions.assumeTrue(docker, "skipped: no Docker engine here, so the compose file's Kafka image ("
            + kafkaImage() + ") cannot run; ComposeStructureTest checks the compose file instead");
    }

    static String kafkaImage() {
        return MonitoringFiles.yaml("docker-compose.yml").path("services").path("kafka").path("image").asText();
    }

    @Test
    void aShortRunIsAnalyzedOnTheComposeKafkaImage() throws Exception {
        try (KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(kafkaImage()))) {
            kafka.start();
            Properties client = new Properties();
            client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.getBootstrapServers());
            Topics topics = new Topics("container");
            try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, topics, "container-analyzer", stateDir,
                AnalyzerSettings.DEFAULTS, "127.0.0.1", 0, 2, (short) 1))) {
                analyzer.awaitRunning(Duration.ofSeconds(120));
                TrainerConfig config = TrainerConfig.builder().runId("container-run").trainSize(400).validationSize(100)
                    .batchSize(100).epochs(2).learningRate(0.05).weightDecay(1e-3).seed(2).build();
                RunSummary summary;
                try (EventPublisher publisher = new EventPublisher(client, topics, PublishPolicy.DEFAULT)) {
                    summary = new Trainer(config).run(publisher);
                }
                assertThat(summary.status()).isEqualTo("completed");
                List<LayerAlignment> layers = new ArrayList<>();
                Properties p = new Properties();
                p.putAll(client);
                p.put(ConsumerConfig.GROUP_ID_CONFIG, "container-check");
                p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
                try (KafkaConsumer<String, LayerAlignment> c = new KafkaConsumer<>(p, topics.layerAlignment().keySerde().deserializer(),
                    topics.layerAlignment().valueSerde().deserializer())) {
                    c.subscribe(List.of(topics.layerAlignment().name()));
                    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                    while (layers.size() < 3 * summary.steps() && System.nanoTime() < deadline) {
                        c.poll(Duration.ofMillis(500)).forEach(r -> layers.add(r.value()));
                    }
                }
                assertThat(layers).hasSize((int) (3 * summary.steps()));
                assertThat(analyzer.failure()).isNull();
            }
        }
    }
}
