package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 7: producing right after creating a topic raced the partitions' leadership (an import expired a record
 * after 120 s on a loaded machine). Topic setup returns only once every partition is served.
 */
class TopicSetupServingTest {
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.builder().build().start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void createdTopicsHaveAServingLeaderForEveryPartitionOnReturn() throws Exception {
        Properties client = broker.adminProperties();
        for (int i = 0; i < 3; i++) {
            Topics topics = new Topics("serving-" + i);
            TopicSetup.ensureTopics(client, topics, 8, (short) 1);
            Properties quick = new Properties();
            quick.putAll(client);
            // answered at once, not after a retry: the metadata and the leaders are there already
            quick.put(AdminClientConfig.RETRIES_CONFIG, 0);
            try (Admin admin = Admin.create(quick)) {
                Map<String, TopicDescription> d = admin.describeTopics(topics.allNames()).allTopicNames().get(30, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                d.values().forEach(t -> t.partitions().forEach(p -> {
                    assertThat(p.leader()).as(t.name() + "-" + p.partition()).isNotNull();
                    latest.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest());
                }));
                assertThat(latest).hasSize(6 * 8 + 2); // the per-layer topics with layer-stats, runs and dead letters
                assertThat(admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS)).hasSize(latest.size());
            }
        }
    }
}
