package io.hebbscope.cli;

import io.hebbscope.schema.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.clients.admin.TopicDescription;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * When a replay is done: its application has committed, on every input partition, the end offset the log had
 * when the replay started, and has drained its own repartition topics.
 */
final class ReplayProgress {
    private final Properties clientProps;
    private final String applicationId;
    private final Map<TopicPartition, Long> inputEnds;
    private final Map<TopicPartition, Long> inputBegins;
    private final long records;
    private final long bytes;
    private final long logRecords;

    private ReplayProgress(Properties clientProps, String applicationId, Map<TopicPartition, Long> inputEnds,
                           Map<TopicPartition, Long> inputBegins, long records, long bytes, long logRecords) {
        this.clientProps = clientProps;
        this.applicationId = applicationId;
        this.inputEnds = inputEnds;
        this.inputBegins = inputBegins;
        this.records = records;
        this.bytes = bytes;
        this.logRecords = logRecords;
    }

    /**
     * Notes where the input topics end now and how many records and bytes are left to replay: all of them for a new
     * application id; for one that has committed offsets already (an interrupted replay started again), what lies
     * after them, the bytes in proportion to the records of each partition.
     */
    static ReplayProgress capture(Properties clientProps, Topics in, String applicationId) throws Exception {
        try (Admin admin = Admin.create(clientProps)) {
            List<String> inputs = List.of(in.runs().name(), in.trainMetrics().name(), in.layerSteps().name(),
                in.layerStats().name());
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (var d : describe(admin, inputs)) {
                d.partitions().forEach(p -> {
                    latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest());
                    earliest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.earliest());
                });
            }
            Map<TopicPartition, Long> ends = offsets(admin.listOffsets(latest));
            Map<TopicPartition, Long> begins = offsets(admin.listOffsets(earliest));
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, Long> partitionBytes = logBytes(admin, ends);
            long logRecords = 0;
            long records = 0;
            long bytes = partitionBytes == null ? -1 : 0;
            for (var e : ends.entrySet()) {
                long begin = begins.get(e.getKey());
                long inLog = e.getValue() - begin;
                OffsetAndMetadata done = committed.get(e.getKey());
                long left = done == null ? inLog : Math.max(0, e.getValue() - Math.max(begin, done.offset()));
                logRecords += inLog;
                records += left;
                if (partitionBytes != null && inLog > 0) {
                    bytes += Math.round(partitionBytes.getOrDefault(e.getKey(), 0L) * (double) left / inLog);
                }
            }
            return new ReplayProgress(clientProps, applicationId, ends, begins, records, bytes, logRecords);
        }
    }

    /** The topics' descriptions; a refusal names the topics refused (Kafka's answer does not). */
    private static List<TopicDescription> describe(Admin admin, List<String> topics) throws Exception {
        List<TopicDescription> out = new java.util.ArrayList<>();
        Set<String> refused = new LinkedHashSet<>();
        for (var e : admin.describeTopics(topics).topicNameValues().entrySet()) {
            try {
                out.add(e.getValue().get(30, TimeUnit.SECONDS));
            } catch (ExecutionException x) {
                if (!(x.getCause() instanceof TopicAuthorizationException)) {
                    throw x;
                }
                refused.add(e.getKey());
            }
        }
        if (!refused.isEmpty()) {
            throw new TopicAuthorizationException("Not authorized to describe topics " + refused, refused);
        }
        return out;
    }

    /**
     * The bytes of each of these partitions' logs; null when the user may not describe the brokers' log directories
     * (that takes DESCRIBE on the cluster, which the replay role does not need otherwise).
     */
    private static Map<TopicPartition, Long> logBytes(Admin admin, Map<TopicPartition, Long> partitions) throws Exception {
        Map<Integer, Map<String, LogDirDescription>> dirs;
        try {
            dirs = admin.describeLogDirs(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream()
                .map(n -> n.id()).toList()).allDescriptions().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ClusterAuthorizationException) {
                return null;
            }
            throw e;
        }
        Map<TopicPartition, Long> bytes = new HashMap<>();
        for (var broker : dirs.values()) {
            for (var dir : broker.values()) {
                for (var replica : dir.replicaInfos().entrySet()) {
                    if (partitions.containsKey(replica.getKey()) && !replica.getValue().isFuture()) {
                        bytes.merge(replica.getKey(), replica.getValue().size(), Math::max);
                    }
                }
            }
        }
        return bytes;
    }

    private static Map<TopicPartition, Long> offsets(ListOffsetsResult result) throws Exception {
        Map<TopicPartition, Long> out = new HashMap<>();
        result.all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** Polls the application's committed offsets until caught up (twice in a row), a failure, or the timeout. */
    boolean awaitCaughtUp(Duration timeout, BooleanSupplier failed) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int stable = 0;
        try (Admin admin = Admin.create(clientProps)) {
            while (System.nanoTime() < deadline && !failed.getAsBoolean()) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                // a partition with nothing in it (never written, or emptied by retention) has nothing to commit
                boolean inputsDone = inputEnds.entrySet().stream().allMatch(e -> e.getValue().equals(inputBegins.get(e.getKey()))
                    || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue()));
                boolean internalDone = true;
                if (inputsDone) {
                    Map<TopicPartition, OffsetSpec> internal = new HashMap<>();
                    committed.keySet().stream().filter(tp -> !inputEnds.containsKey(tp))
                        .forEach(tp -> internal.put(tp, OffsetSpec.latest()));
                    Map<TopicPartition, Long> ends = internal.isEmpty() ? Map.of() : offsets(admin.listOffsets(internal));
                    internalDone = ends.entrySet().stream().allMatch(e -> committed.get(e.getKey()).offset() >= e.getValue());
                }
                stable = inputsDone && internalDone ? stable + 1 : 0;
                if (stable >= 2) {
                    return true;
                }
                Thread.sleep(500);
            }
        }
        return false;
    }

    /** Records left to replay when it started. */
    long records() {
        return records;
    }

    /** Records in the input logs; more than {@link #records()} when the application id resumes an earlier replay. */
    long logRecords() {
        return logRecords;
    }

    boolean resumes() {
        return records < logRecords;
    }

    /** The bytes left to replay (the input logs' size for a new application id), -1 when unknown. */
    long bytes() {
        return bytes;
    }
}
