package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.AnalyzerSettings;
import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 10, item 6: the topics train creates, and the analyzer's own (inputs, outputs, changelogs, repartition),
 * carry the asked min.insync.replicas as a topic override on a real broker (a single broker: replication 1, ISR 1).
 */
class ReplicationSettingsTest {
    private static EmbeddedKafkaBroker broker;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.builder().build().start();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void createdTopicsCarryTheMinInsyncReplicas() throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cl = Hebbscope.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        int code = cl.execute("train", "--bootstrap-servers", broker.bootstrapServers(), "--topic-prefix", "rs",
            "--replication-factor", "1", "--min-insync-replicas", "1", "--epochs", "1", "--train-size", "256",
            "--validation-size", "64", "--no-progress");
        assertThat(code).as(out.toString()).isZero();

        Properties client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        Topics topics = new Topics("rs");
        try (Analyzer analyzer = Analyzer.start(new Analyzer.Options(client, topics, "rs-app", dir.resolve("state"),
            AnalyzerSettings.DEFAULTS, "127.0.0.1", -1, 2, (short) 1).withOutputTopics(new Topics("rs-out"))
            .withMinInsyncReplicas(1))) {
            analyzer.awaitRunning(Duration.ofMinutes(5));
        }
        try (Admin admin = Admin.create(client)) {
            Set<String> names = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<String> checked = names.stream().filter(n -> n.startsWith("rs.") || n.startsWith("rs-out.")
                || n.startsWith("rs-app-")).sorted().toList();
            assertThat(checked).contains("rs.layer-steps", "rs.runs", "rs-out.layer-alignment", "rs-out.dead-letters")
                .anyMatch(n -> n.startsWith("rs-app-") && n.endsWith("-changelog"))
                .anyMatch(n -> n.startsWith("rs-app-") && n.endsWith("-repartition"));
            Map<ConfigResource, Config> configs = admin.describeConfigs(checked.stream()
                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get(60, TimeUnit.SECONDS);
            configs.forEach((topic, config) -> {
                ConfigEntry isr = config.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
                assertThat(isr.value()).as(topic.name()).isEqualTo("1");
                assertThat(isr.source()).as(topic.name() + ": set on the topic, not the broker's default")
                    .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            });
        }
    }
}
