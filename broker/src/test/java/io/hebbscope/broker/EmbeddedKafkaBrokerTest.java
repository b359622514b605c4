package io.hebbscope.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One broker for the whole class. */
class EmbeddedKafkaBrokerTest {

    private static EmbeddedKafkaBroker kafka;
    private static long startMillis;

    @BeforeAll
    static void startBroker() {
        long t0 = System.nanoTime();
        kafka = EmbeddedKafkaBroker.builder().build().start();
        startMillis = (System.nanoTime() - t0) / 1_000_000;
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void startsQuicklyOnLoopbackWithAFreePort() {
        assertThat(kafka.isRunning()).isTrue();
        assertThat(kafka.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(kafka.brokerPort()).isPositive().isNotEqualTo(kafka.controllerPort());
        assertThat(kafka.adminProperties()).containsEntry("bootstrap.servers", kafka.bootstrapServers());
        assertThat(kafka.clusterId()).isNotBlank();
        assertThat(Files.isDirectory(kafka.dataDir())).isTrue();
        // 1.5-2 s on a quiet machine; a loaded one took over a minute (issue 11): bounded by the start timeout only
        assertThat(startMillis).as("start time in ms").isLessThan(EmbeddedKafkaBroker.DEFAULT_START_TIMEOUT.toMillis());
        System.out.println("EmbeddedKafkaBroker start took " + startMillis + " ms");
    }

    @Test
    void producesAndConsumesARecord() throws Exception {
        kafka.createTopics(List.of(new NewTopic("roundtrip", 1, (short) 1)));
        var meta = KafkaTestClients.produce(kafka, "roundtrip", "k", "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(meta.offset()).isZero();

        var records = KafkaTestClients.consume(kafka, "roundtrip", 1, Duration.ofSeconds(20));
        assertThat(records).hasSize(1);
        assertThat(records.get(0).key()).isEqualTo("k");
        assertThat(new String(records.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("hello");
    }

    @Test
    void acceptsRecordsOfSeveralMegabytes() throws Exception {
        kafka.createTopics(List.of(new NewTopic("tensors", 1, (short) 1)));
        byte[] payload = new byte[4 * 1024 * 1024];
        new Random(42).nextBytes(payload);
        KafkaTestClients.produce(kafka, "tensors", "w", payload);
        var records = KafkaTestClients.consume(kafka, "tensors", 1, Duration.ofSeconds(20));
        assertThat(records).hasSize(1);
        assertThat(records.get(0).value()).isEqualTo(payload);
    }

    @Test
    void createTopicsIsIdempotent() throws Exception {
        kafka.createTopics(List.of(new NewTopic("idem-a", 3, (short) 1),
                new NewTopic("idem-b", 1, (short) 1).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact"))));
        // Again, together with a new one, and with a different partition count for an existing topic.
        kafka.createTopics(List.of(new NewTopic("idem-a", 5, (short) 1), new NewTopic("idem-c", 2, (short) 1)));
        kafka.createTopics(List.of());

        try (Admin admin = Admin.create(kafka.adminProperties())) {
            assertThat(admin.listTopics().names().get()).contains("idem-a", "idem-b", "idem-c");
            var descriptions = admin.describeTopics(List.of("idem-a", "idem-c")).allTopicNames().get();
            assertThat(descriptions.get("idem-a").partitions()).hasSize(3);
            assertThat(descriptions.get("idem-c").partitions()).hasSize(2);
        }
    }

    @Test
    void doesNotCreateTopicsAutomatically() {
        Properties p = kafka.adminProperties();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "g");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "true");
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("never-created"));
            consumer.poll(Duration.ofMillis(500));
        }
        assertThatThrownBy(() -> {
            try (Admin admin = Admin.create(kafka.adminProperties())) {
                admin.describeTopics(List.of("never-created")).allTopicNames().get();
            }
        }).hasRootCauseInstanceOf(org.apache.kafka.common.errors.UnknownTopicOrPartitionException.class);
    }

    @Test
    void consumerGroupsWork() throws Exception {
        kafka.createTopics(List.of(new NewTopic("grouped", 1, (short) 1)));
        KafkaTestClients.produce(kafka, "grouped", "k", new byte[]{1, 2, 3});
        Properties p = kafka.adminProperties();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "grp");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(List.of("grouped"));
            int n = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (n == 0 && System.nanoTime() < deadline) {
                n += consumer.poll(Duration.ofMillis(200)).count();
            }
            assertThat(n).isEqualTo(1);
            consumer.commitSync();
        }
    }

    @Test
    void reachabilityCheckSucceedsAgainstTheRunningBroker() {
        long t0 = System.nanoTime();
        KafkaReachability.check(kafka.adminProperties(), Duration.ofSeconds(5));
        var info = KafkaReachability.describe(kafka.adminProperties(), Duration.ofSeconds(5));
        assertThat(info.clusterId()).isEqualTo(kafka.clusterId());
        assertThat(info.nodes()).extracting(n -> n.id()).containsExactly(EmbeddedKafkaBroker.NODE_ID);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
    }

    @Test
    void reachabilityCheckIgnoresNonAdminClientProperties() {
        Properties p = kafka.adminProperties();
        p.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        p.put("acks", "all");
        p.put("request.timeout.ms", 120_000); // a non-String value, and overridden by the check's bound
        KafkaReachability.check(p, Duration.ofSeconds(5));
        assertThat(p).containsEntry("acks", "all"); // not modified
    }

    @Test
    void startCannotBeCalledTwice() {
        assertThatThrownBy(kafka::start).isInstanceOf(IllegalStateException.class);
    }
}
