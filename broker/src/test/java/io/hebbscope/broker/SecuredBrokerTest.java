package io.hebbscope.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One secured broker: SCRAM users, ACLs enforced, wrong or missing credentials refused. */
class SecuredBrokerTest {
    private static final String TOPIC = "sb.secret";
    private static EmbeddedKafkaBroker kafka;

    static AclBinding allow(String user, ResourceType type, String name, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
            new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW));
    }

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafkaBroker.builder().security(BrokerSecurity.builder("admin-secret")
            .user("alice", "alice-secret").user("bob", "bob-secret")
            .acl(allow("alice", ResourceType.TOPIC, TOPIC, AclOperation.WRITE))
            .acl(allow("alice", ResourceType.TOPIC, TOPIC, AclOperation.READ))
            .build()).build().start();
        kafka.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1)));
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private static KafkaProducer<String, String> producer(Properties client) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    @Test
    void aUserWithAclsWritesAndReads() throws Exception {
        try (var producer = producer(kafka.clientProperties("alice"))) {
            producer.send(new ProducerRecord<>(TOPIC, "k", "only for alice")).get(30, TimeUnit.SECONDS);
        }
        Properties c = kafka.clientProperties("alice");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            List<String> values = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
            assertThat(values).contains("only for alice");
        }
    }

    @Test
    void aUserWithoutAnAclIsNotAuthorized() {
        try (var producer = producer(kafka.clientProperties("bob"))) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(TOPIC, "k", "v")).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void aWrongPasswordFailsAuthentication() {
        Properties p = BrokerSecurity.clientProperties("alice", "not-her-password");
        p.put("bootstrap.servers", kafka.bootstrapServers());
        assertThatThrownBy(() -> KafkaReachability.check(p, Duration.ofSeconds(30)))
            .isInstanceOf(KafkaReachability.KafkaUnreachableException.class)
            .hasCauseInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void aClientWithoutSaslGetsNoAnswer() {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        assertThatThrownBy(() -> KafkaReachability.check(p, Duration.ofSeconds(2)))
            .isInstanceOf(KafkaReachability.KafkaUnreachableException.class)
            .hasMessageContaining("no broker answered");
    }

    @Test
    void theAdminIsASuperUserAndItsPasswordStaysPrivate() throws Exception {
        try (Admin admin = Admin.create(kafka.adminProperties())) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(TOPIC);
        }
        Path config = kafka.dataDir().resolve("server.properties");
        assertThat(Files.readString(config, StandardCharsets.UTF_8)).contains("admin-secret");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-------");
        assertThat(kafka.security().users()).containsOnlyKeys("alice", "bob");
    }
}
