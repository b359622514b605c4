package io.hebbscope.broker;

import static io.hebbscope.broker.SecuredBrokerTest.allow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One data directory, started in turn without security, secured, secured with every password and ACL changed, and
 * secured with no users: the records survive, and each start enforces exactly the users and ACLs it was given.
 */
class SecuredRestartTest {
    private static final String TOPIC = "sr.kept";

    @TempDir
    Path dir;

    private static String readFirst(Properties client) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    return new String(r.value(), StandardCharsets.UTF_8);
                }
            }
            return null;
        }
    }

    private static Properties login(EmbeddedKafkaBroker kafka, String user, String password) {
        Properties p = BrokerSecurity.clientProperties(user, password);
        p.put("bootstrap.servers", kafka.bootstrapServers());
        return p;
    }

    @Test
    void everyStartEnforcesExactlyItsUsersAndAcls() throws Exception {
        Path data = dir.resolve("kafka");
        try (EmbeddedKafkaBroker plain = EmbeddedKafkaBroker.builder().dataDir(data).keepData(true).build().start()) {
            plain.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1)));
            KafkaTestClients.produce(plain, TOPIC, "k", "from before security".getBytes(StandardCharsets.UTF_8));
        }

        // A directory used without security: admin's credential is added first.
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.builder().dataDir(data).keepData(true)
            .security(BrokerSecurity.builder("admin-1").user("alice", "alice-1")
                .acl(allow("alice", ResourceType.TOPIC, TOPIC, AclOperation.READ)).build()).build().start()) {
            assertThat(readFirst(first.clientProperties("alice"))).isEqualTo("from before security");
        }

        // Every password changed, alice's ACL moved to bob.
        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder().dataDir(data).keepData(true)
            .security(BrokerSecurity.builder("admin-2").user("alice", "alice-2").user("bob", "bob-2")
                .acl(allow("bob", ResourceType.TOPIC, TOPIC, AclOperation.READ)).build()).build().start()) {
            assertThatThrownBy(() -> KafkaReachability.check(login(second, "alice", "alice-1"), Duration.ofSeconds(30)))
                .hasCauseInstanceOf(SaslAuthenticationException.class);
            assertThatThrownBy(() -> KafkaReachability.check(login(second, "admin", "admin-1"), Duration.ofSeconds(30)))
                .hasCauseInstanceOf(SaslAuthenticationException.class);
            assertThat(readFirst(second.clientProperties("bob"))).isEqualTo("from before security");
            assertThatThrownBy(() -> readFirst(second.clientProperties("alice"))).isInstanceOf(TopicAuthorizationException.class);
            try (Admin admin = Admin.create(second.adminProperties())) {
                assertThat(admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS))
                    .containsExactly(allow("bob", ResourceType.TOPIC, TOPIC, AclOperation.READ));
            }
        }

        // No users, no ACLs: only admin is left.
        try (EmbeddedKafkaBroker third = EmbeddedKafkaBroker.builder().dataDir(data).keepData(true)
            .security(BrokerSecurity.builder("admin-2").build()).build().start();
             Admin admin = Admin.create(third.adminProperties())) {
            assertThat(admin.describeUserScramCredentials().all().get(30, TimeUnit.SECONDS)).containsOnlyKeys("admin");
            assertThat(admin.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)).isEmpty();
            assertThatThrownBy(() -> KafkaReachability.check(login(third, "bob", "bob-2"), Duration.ofSeconds(30)))
                .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }
}
