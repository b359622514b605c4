package io.hebbscope.trainer.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.DType;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

class PublisherThroughputTest {

    @Test
    void publishesEveryStepOfTheRealTermsAndCountsThem() {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
            Properties client = new Properties();
            client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            Topics topics = new Topics("throughput");
            broker.createTopics(List.of(new NewTopic(topics.runs().name(), 1, (short) 1),
                new NewTopic(topics.trainMetrics().name(), 2, (short) 1),
                new NewTopic(topics.layerSteps().name(), 2, (short) 1).configs(
                    Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(TopicSetup.MAX_MESSAGE_BYTES)))));
            TrainerConfig config = TrainerConfig.builder().runId("throughput").widths(16, 40, 8).batchSize(32)
                .trainSize(320).validationSize(64).seed(2).build();
            // Layer 40x16 in blocks of 3 rows (14 blocks), layer 8x40 in blocks of 1 row (8 blocks); no snapshots after step 0.
            PublishPolicy policy = new PublishPolicy(1, 1000, DType.FLOAT32, 1024);

            PublisherThroughput.Result r = PublisherThroughput.measure(client, topics, config, policy, 25);

            assertThat(r.records()).isEqualTo(1 + 25 * (1 + 14 + 8) + 1);
            assertThat(r.bytes()).isPositive();
            assertThat(r.seconds()).isPositive();
            assertThat(r.megabytesPerSecond()).isEqualTo(r.bytes() / 1e6 / r.seconds());
            // A block of 3 rows of 16 inputs carries 3 float tensors (plus the 3 row statistics): at least 576 bytes.
            assertThat(r.meanLayerStepBytes()).isGreaterThan(3 * 16 * 4 * 3);
        }
    }
}
