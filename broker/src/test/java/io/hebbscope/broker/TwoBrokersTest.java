package io.hebbscope.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class TwoBrokersTest {

    @Test
    void twoBrokersRunSideBySideOnDifferentPorts() throws Exception {
        try (EmbeddedKafkaBroker a = EmbeddedKafkaBroker.builder().build().start();
             EmbeddedKafkaBroker b = EmbeddedKafkaBroker.builder().build().start()) {
            assertThat(a.bootstrapServers()).isNotEqualTo(b.bootstrapServers());
            assertThat(a.clusterId()).isNotEqualTo(b.clusterId());
            assertThat(a.dataDir()).isNotEqualTo(b.dataDir());

            a.createTopics(List.of(new NewTopic("t", 1, (short) 1)));
            b.createTopics(List.of(new NewTopic("t", 1, (short) 1)));
            KafkaTestClients.produce(a, "t", "k", "from-a".getBytes(StandardCharsets.UTF_8));
            KafkaTestClients.produce(b, "t", "k", "from-b".getBytes(StandardCharsets.UTF_8));

            var fromA = KafkaTestClients.consume(a, "t", 1, Duration.ofSeconds(20));
            var fromB = KafkaTestClients.consume(b, "t", 1, Duration.ofSeconds(20));
            assertThat(fromA).singleElement().satisfies(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("from-a"));
            assertThat(fromB).singleElement().satisfies(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("from-b"));
        }
    }
}
