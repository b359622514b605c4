package io.hebbscope.cli.python;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/** Topics ready to take an idempotent producer's first batches. */
final class Partitions {
    private Partitions() {}

    /**
     * Waits until every partition of {@code names} has a leader that answers for it (as the bench does before its
     * first produce): batches sent to a partition still being created can be turned away and end up out of order,
     * which under load can stall an idempotent producer until its delivery timeout (stack notes).
     */
    static void awaitServing(Properties client, Collection<String> names) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        try (Admin admin = Admin.create(client)) {
            while (System.nanoTime() < deadline) {
                try {
                    Map<String, TopicDescription> d = admin.describeTopics(names).allTopicNames().get(60, TimeUnit.SECONDS);
                    boolean led = d.values().stream().flatMap(t -> t.partitions().stream())
                        .map(TopicPartitionInfo::leader).allMatch(l -> l != null && !l.isEmpty());
                    if (led && d.keySet().containsAll(names)) {
                        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                        d.values().forEach(t -> t.partitions().forEach(p ->
                            latest.put(new TopicPartition(t.name(), p.partition()), OffsetSpec.latest())));
                        admin.listOffsets(latest).all().get(60, TimeUnit.SECONDS);
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    // not visible yet: ask again
                }
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("topics " + names + " have no serving leader for every partition after 5 minutes");
    }
}
