package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, item 7: producing right after creating a topic raced the partitions' leadership (an import expired a record
 * after 120 s on a loaded machine). Topic setup returns only once every partition is served. And layer-stats is
 * partitioned like layer-steps: the analyzer assembles a layer's blocks of both in one task.
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

    @TempDir
    Path stateDir;

    private static int partitions(Properties client, String topic) throws Exception {
        try (Admin admin = Admin.create(client)) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
        }
    }

    private static void create(Properties client, String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * A log from before layer-stats existed: its layer-steps topic has 3 partitions, the analyzer now says 8; the new
     * layer-stats topic gets 3, the other missing ones 8. Topics partitioned apart (made by hand) stop the analyzer
     * before it starts, with a message that says what to do.
     */
    @Test
    void layerStatsIsPartitionedLikeLayerStepsAndTheAnalyzerRefusesOtherwise() throws Exception {
        Properties client = broker.adminProperties();
        Topics older = new Topics("older");
        create(client, older.layerSteps().name(), 3);
        TopicSetup.ensureTopics(client, older, 8, (short) 1);
        assertThat(partitions(client, older.layerStats().name())).isEqualTo(3);
        assertThat(partitions(client, older.trainMetrics().name())).isEqualTo(8);
        TopicSetup.requireSamePartitions(client, List.of(older.layerSteps().name(), older.layerStats().name()));

        Topics apart = new Topics("apart");
        create(client, apart.layerSteps().name(), 2);
        create(client, apart.layerStats().name(), 4);
        assertThatThrownBy(() -> Analyzer.start(new Analyzer.Options(client, apart, "apart-analyzer", stateDir,
            AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, 2, (short) 1)))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("topics {apart.layer-steps=2, apart.layer-stats=4} must have the same number of partitions (the"
                + " analyzer assembles a layer's blocks of all of them together): add partitions to the smaller ones"
                + " (kafka-topics.sh --alter --partitions N) before analyzing");
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
                assertThat(latest).hasSize(7 * 8 + 2); // the per-layer topics with layer-stats and checkpoints, runs, dead letters
                assertThat(admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS)).hasSize(latest.size());
            }
        }
    }
}
