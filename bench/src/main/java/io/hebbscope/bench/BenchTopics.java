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

    /**
     * Waits until every partition of {@code names} has a leader that answers for it: an idempotent producer's
     * first batches to a partition still being created can be turned away and end up out of order (stack notes).
     */
    static void awaitLeaders(Properties client, Collection<String> names) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        try (Admin admin = Admin.create(client)) {
            while (System.nanoTime() < deadline) {
                try {
                    Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(60, TimeUnit.SECONDS);
                    boolean led = d.values().stream().flatMap(t -> t.partitions().stream())
                        .map(TopicPartitionInfo::leader).allMatch(l -> l != null && !l.isEmpty());
                    if (led && d.keySet().containsAll(names)) {
                        // the leader also serves the partition (a produce to it would not be turned away)
                        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                        d.values().forEach(t -> t.partitions().forEach(p ->
                            latest.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest())));
                        admin.listOffsets(latest).all().get(60, TimeUnit.SECONDS);
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    // not visible yet: ask again
                }
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("topics " + names + " have no leader for every partition after 5 minutes");
    }
}
