package io.hebbscope.bench;

import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.TopicConfig;

/** Topic setup for the bench's single broker: hebbscope's topics, created and led before anyone produces. */
final class BenchTopics {
    /** Partitions of the per-layer topics, hebbscope's default. */
    static final int PARTITIONS = 4;

    private BenchTopics() {}

    /** hebbscope's topics of {@code topics}' prefix, created when missing, with a leader for every partition. */
    static void ensure(Properties client, Topics topics) throws InterruptedException {
        TopicSetup.ensureTopics(client, topics, PARTITIONS, (short) 1);
        awaitLeaders(client, topics.allNames());
    }

    /**
     * Creates {@code <prefix>.layer-alignment} with broker append times as record timestamps (so that a result
     * written after a given moment can be told from one written before it), then the other topics.
     */
    static void ensureWithAppendTimes(Properties client, Topics topics) throws Exception {
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic(topics.layerAlignment().name(), PARTITIONS, (short) 1)
                .configs(Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"))))
                .all().get(5, TimeUnit.MINUTES);
        }
        ensure(client, topics);
    }

    /** Waits until every partition of {@code names} has a leader that serves it (see {@link TopicSetup#awaitServing}). */
    static void awaitLeaders(Properties client, Collection<String> names) {
        TopicSetup.awaitServing(client, names, TopicSetup.SERVING_TIMEOUT);
    }
}
