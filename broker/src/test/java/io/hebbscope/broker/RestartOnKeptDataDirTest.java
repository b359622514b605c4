package io.hebbscope.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestartOnKeptDataDirTest {

    @TempDir
    Path dir;

    @Test
    void restartOnAKeptDataDirReadsBackTheOldRecord() throws Exception {
        Path data = dir.resolve("kafka-data");
        String clusterId;
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.builder().dataDir(data).keepData(true).build().start()) {
            first.createTopics(List.of(new NewTopic("durable", 1, (short) 1)));
            KafkaTestClients.produce(first, "durable", "k", "survives restarts".getBytes(StandardCharsets.UTF_8));
            clusterId = first.clusterId();
        }
        assertThat(data.resolve("kafka-logs/meta.properties")).exists();
        assertThat(data.resolve("server.properties")).exists();

        long t0 = System.nanoTime();
        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder().dataDir(data).keepData(true).build().start()) {
            System.out.println("Restart on kept data took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            assertThat(second.clusterId()).isEqualTo(clusterId);
            second.createTopics(List.of(new NewTopic("durable", 1, (short) 1))); // exists: fine
            var records = KafkaTestClients.consume(second, "durable", 1, Duration.ofSeconds(20));
            assertThat(records).hasSize(1);
            assertThat(new String(records.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("survives restarts");
            KafkaTestClients.produce(second, "durable", "k2", new byte[]{7});
        }
        assertThat(Files.isDirectory(data.resolve("kafka-logs"))).isTrue();
    }

    @Test
    void restartSurvivesAChangedControllerPort() throws Exception {
        Path data = dir.resolve("kafka-data-ports");
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.builder().dataDir(data).keepData(true).build().start()) {
            first.createTopics(List.of(new NewTopic("moved", 1, (short) 1)));
            KafkaTestClients.produce(first, "moved", "k", new byte[]{1});
        }
        int otherPort;
        try (var s = new java.net.ServerSocket(0)) {
            otherPort = s.getLocalPort();
        }
        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder().dataDir(data).keepData(true)
                .controllerPort(otherPort).startTimeout(Duration.ofSeconds(30)).build().start()) {
            assertThat(second.controllerPort()).isEqualTo(otherPort);
            assertThat(KafkaTestClients.consume(second, "moved", 1, Duration.ofSeconds(20))).hasSize(1);
        }
    }
}
