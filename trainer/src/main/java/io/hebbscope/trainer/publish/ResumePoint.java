package io.hebbscope.trainer.publish;

import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerShape;
import io.hebbscope.schema.MalformedEventException;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.TopicPartitions;
import io.hebbscope.schema.Topics;
import io.hebbscope.schema.TrainerCheckpoint;
import io.hebbscope.trainer.Checkpoint;
import io.hebbscope.trainer.TrainerConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Where a crashed run continues (what {@code train --resume RUN_ID} reads): the run's RunStarted (its config and
 * publish settings) from the runs topic and its latest complete checkpoint from the checkpoints topic, both
 * read_committed. Refuses, with a {@link Refused} whose message is one line, a run that is not on the runs topic, one
 * that has finished (a RunFinished is there), and one without a complete checkpoint.
 *
 * @param started         the run's RunStarted
 * @param config          the trainer config it holds
 * @param policy          the publish policy that cuts the run's blocks as RunStarted says, with checkpoints on
 * @param checkpoint      the latest complete checkpoint
 * @param checkpointParts records the checkpoint was made of
 */
public record ResumePoint(RunStarted started, TrainerConfig config, PublishPolicy policy, Checkpoint checkpoint,
                          int checkpointParts) {

    /** A run that cannot be resumed, and why (one line). */
    public static final class Refused extends IllegalStateException {
        public Refused(String message) {
            super(message);
        }
    }

    /** The first step the resumed trainer runs. */
    public long firstStep() {
        return checkpoint.step() + 1;
    }

    /**
     * Reads the run's RunStarted, RunFinished (if any) and checkpoints.
     *
     * @param timeout how long reading each topic to its end may take
     */
    public static ResumePoint read(Properties clientProps, Topics topics, String runId, Duration timeout) {
        Keys.requireValidName("run id", runId);
        RunStarted started = null;
        RunFinished finished = null;
        EventCodec codec = EventCodec.get();
        String startedKey = Keys.runStarted(runId);
        String finishedKey = Keys.runFinished(runId);
        for (ConsumerRecord<String, byte[]> r : readAll(clientProps, topics.runs().name(), null, timeout)) {
            if (r.value() == null || !(startedKey.equals(r.key()) || finishedKey.equals(r.key()))) {
                continue;
            }
            try {
                SpecificRecord event = codec.decodeAny(r.value());
                if (event instanceof RunStarted s && s.getRunId().equals(runId)) {
                    started = started == null ? s : started; // the first one is the one the analyzer admitted
                } else if (event instanceof RunFinished f && f.getRunId().equals(runId)) {
                    finished = f;
                }
            } catch (MalformedEventException e) {
                // not the run's events: the analyzer dead-letters them, resuming ignores them
            }
        }
        if (started == null) {
            throw new Refused("cannot resume run " + runId + ": no RunStarted of it on " + topics.runs().name()
                + " (check --run-id spelling and --topic-prefix)");
        }
        if (finished != null) {
            throw new Refused("cannot resume run " + runId + ": it has finished (" + finished.getStatus() + " after "
                + finished.getSteps() + " steps); start a new run instead");
        }
        List<TrainerCheckpoint> parts = latestCheckpoint(clientProps, topics, runId, timeout);
        if (parts == null) {
            throw new Refused("cannot resume run " + runId + ": no complete checkpoint of it on "
                + topics.checkpoints().name() + " (its trainer published none; checkpoints go out after step 0 and every "
                + started.getSnapshotEvery() + " steps)");
        }
        Checkpoint checkpoint;
        try {
            checkpoint = CheckpointCodec.decode(parts);
        } catch (RuntimeException e) {
            throw new Refused("cannot resume run " + runId + ": its latest checkpoint is unreadable (" + e.getMessage() + ")");
        }
        TrainerConfig config;
        try {
            config = TrainerConfig.fromMap(started.getConfig());
        } catch (IllegalArgumentException e) {
            throw new Refused("cannot resume run " + runId + ": its RunStarted does not describe a run this trainer can "
                + "rebuild (" + e.getMessage() + ")");
        }
        PublishPolicy policy = policyOf(started);
        return new ResumePoint(started, config, policy, checkpoint, parts.size());
    }

    /**
     * The policy the run was published with: tensors, statistics, snapshots and dtype as its RunStarted says, the block
     * size from its config's {@value EventPublisher#MAX_BLOCK_BYTES_KEY} (checked against every layer's blocking).
     */
    static PublishPolicy policyOf(RunStarted started) {
        String runId = started.getRunId();
        int maxBlockBytes = PublishPolicy.DEFAULT.maxBlockBytes();
        String recorded = started.getConfig().get(EventPublisher.MAX_BLOCK_BYTES_KEY);
        if (recorded != null) {
            try {
                maxBlockBytes = Integer.parseInt(recorded.trim());
            } catch (NumberFormatException e) {
                throw new Refused("cannot resume run " + runId + ": its config's maxBlockBytes '" + recorded
                    + "' is not a number");
            }
        }
        PublishPolicy policy;
        try {
            policy = new PublishPolicy(started.getPublishEvery(), started.getSnapshotEvery(), started.getDtype(),
                maxBlockBytes, started.getStatsEvery(), true);
        } catch (IllegalArgumentException e) {
            throw new Refused("cannot resume run " + runId + ": its RunStarted's publish settings are not valid ("
                + e.getMessage() + ")");
        }
        for (LayerShape l : started.getLayers()) {
            if (policy.rowsPerBlock(l.getRows(), l.getCols()) != l.getRowsPerBlock()) {
                throw new Refused("cannot resume run " + runId + ": its layer " + l.getName() + " travels in blocks of "
                    + l.getRowsPerBlock() + " rows, which maxBlockBytes " + maxBlockBytes + " does not give");
            }
        }
        if (policy.statsEvery() > 0 && policy.statsBlockRows() != started.getStatsRowsPerBlock()) {
            throw new Refused("cannot resume run " + runId + ": its statistics blocks of " + started.getStatsRowsPerBlock()
                + " rows do not follow from maxBlockBytes " + maxBlockBytes);
        }
        return policy;
    }

    /**
     * The parts of the run's complete checkpoint of the highest step (the latest one written for that step), or null.
     * Every part of a run's checkpoints is keyed by its run id, so they are all in one partition, in the order sent.
     */
    private static List<TrainerCheckpoint> latestCheckpoint(Properties clientProps, Topics topics, String runId,
                                                            Duration timeout) {
        String key = Keys.checkpoint(runId);
        EventCodec codec = EventCodec.get();
        List<TrainerCheckpoint> best = null;
        List<TrainerCheckpoint> current = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : readAll(clientProps, topics.checkpoints().name(), key, timeout)) {
            if (!key.equals(r.key()) || r.value() == null) {
                continue;
            }
            TrainerCheckpoint part;
            try {
                part = codec.decode(r.value(), TrainerCheckpoint.class);
            } catch (MalformedEventException e) {
                continue;
            }
            if (!part.getRunId().equals(runId)) {
                continue;
            }
            boolean continues = !current.isEmpty() && part.getPart() == current.size()
                && current.get(0).getStep() == part.getStep() && current.get(0).getParts() == part.getParts();
            if (!continues) {
                current = new ArrayList<>();
                if (part.getPart() != 0) {
                    continue; // the rest of a checkpoint whose start is not in the log
                }
            }
            current.add(part);
            if (current.size() == part.getParts() && (best == null || part.getStep() >= best.get(0).getStep())) {
                best = current;
                current = new ArrayList<>();
            }
        }
        return best;
    }

    /**
     * The committed records of {@code topic} (only the partition of {@code key} when given), from the beginning to the
     * end they had when reading started.
     */
    private static List<ConsumerRecord<String, byte[]>> readAll(Properties clientProps, String topic, String key,
                                                                 Duration timeout) {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = TopicPartitions.of(c, topic);
            if (key != null) {
                // the producer's default partitioner: murmur2 of the serialized key
                int partition = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % parts.size();
                parts = List.of(new TopicPartition(topic, partition));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp, timeout) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("reading " + topic + " took longer than " + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }
}
