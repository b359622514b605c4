package io.hebbscope.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data-dir handling, fixed ports, overrides and failures. Each test runs its own short-lived broker. */
class LifecycleTest {

    @TempDir
    Path dir;

    @Test
    void closeRemovesTheTemporaryDataDir() {
        EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().build().start();
        Path data = kafka.dataDir();
        assertThat(data.resolve("kafka-logs/meta.properties")).exists();
        long t0 = System.nanoTime();
        kafka.close();
        System.out.println("EmbeddedKafkaBroker close took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertThat(data).doesNotExist();
        assertThat(kafka.isRunning()).isFalse();
        kafka.close(); // idempotent
        assertThatThrownBy(() -> kafka.createTopics(List.of(new NewTopic("t", 1, (short) 1))))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(kafka::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aGivenDirWithoutKeepDataLosesOnlyTheBrokersFiles() throws Exception {
        Path data = Files.createDirectories(dir.resolve("given"));
        Path mine = Files.writeString(data.resolve("notes.txt"), "not Kafka's");
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().dataDir(data).build().start()) {
            assertThat(kafka.dataDir()).isEqualTo(data.toAbsolutePath());
        }
        assertThat(data.resolve("kafka-logs")).doesNotExist();
        assertThat(data.resolve("server.properties")).doesNotExist();
        assertThat(mine).hasContent("not Kafka's");
    }

    @Test
    void fixedPortAndOverridesAreApplied() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = s.getLocalPort();
        }
        Path data = dir.resolve("fixed");
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().dataDir(data).keepData(true)
                .brokerPort(port).brokerProperty("num.partitions", "3").build().start()) {
            assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
            assertThat(Files.readString(data.resolve("server.properties"))).contains("num.partitions=3");
        }
        assertThat(data.resolve("kafka-logs/meta.properties")).exists();
    }

    @Test
    void aTakenFixedPortFailsWithAClearMessage() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();
            EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().brokerPort(port).build();
            long t0 = System.nanoTime();
            assertThatThrownBy(kafka::start)
                    .isInstanceOf(EmbeddedKafkaBroker.BrokerStartException.class)
                    .hasMessageContaining("already in use")
                    .hasMessageContaining("127.0.0.1:" + port);
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
            assertThat(kafka.isRunning()).isFalse();
        }
    }

    @Test
    void anInvalidOverrideFailsWithAClearMessage() {
        EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder()
                .brokerProperty("message.max.bytes", "not-a-number").startTimeout(Duration.ofSeconds(20)).build();
        assertThatThrownBy(kafka::start)
                .isInstanceOf(EmbeddedKafkaBroker.BrokerStartException.class)
                .hasMessageContaining("message.max.bytes");
    }

    @Test
    void aStartThatCannotFinishInTimeFailsWithoutKillingTheJvm() {
        // Kafka's controller calls Exit.halt(1) when its startup times out; start() must throw instead.
        EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.builder().startTimeout(Duration.ofMillis(1)).build();
        long t0 = System.nanoTime();
        assertThatThrownBy(kafka::start)
                .isInstanceOf(EmbeddedKafkaBroker.BrokerStartException.class)
                .hasMessageContaining("start timeout 1 ms")
                .hasMessageContaining("Timed out");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
        assertThat(kafka.isRunning()).isFalse();

        // The JVM is still here, and a broker starts normally afterwards.
        try (EmbeddedKafkaBroker next = EmbeddedKafkaBroker.builder().build().start()) {
            next.createTopics(List.of(new NewTopic("after-failure", 1, (short) 1)));
        }
    }

    @Test
    void defaultsMatchASingleNodeLabBroker() {
        var props = EmbeddedKafkaBroker.describeDefaults(dir);
        assertThat(props)
                .containsEntry("process.roles", "broker,controller")
                .containsEntry("node.id", "1")
                .containsEntry("offsets.topic.replication.factor", "1")
                .containsEntry("transaction.state.log.replication.factor", "1")
                .containsEntry("transaction.state.log.min.isr", "1")
                .containsEntry("share.coordinator.state.topic.replication.factor", "1")
                .containsEntry("share.coordinator.state.topic.min.isr", "1")
                .containsEntry("group.initial.rebalance.delay.ms", "0")
                .containsEntry("auto.create.topics.enable", "false")
                .containsEntry("message.max.bytes", Integer.toString(8 * 1024 * 1024))
                .containsEntry("replica.fetch.max.bytes", Integer.toString(8 * 1024 * 1024))
                .containsEntry("log.retention.bytes", "-1")
                .containsEntry("num.partitions", "1")
                .containsEntry("server.max.startup.time.ms", "600000")
                .containsEntry("listeners", "PLAINTEXT://127.0.0.1:1,CONTROLLER://127.0.0.1:2")
                .containsEntry("controller.quorum.bootstrap.servers", "127.0.0.1:2");
    }
}
