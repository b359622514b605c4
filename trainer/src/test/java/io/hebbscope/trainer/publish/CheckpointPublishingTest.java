package io.hebbscope.trainer.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.schema.DType;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.LayerStats;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.Topics;
import io.hebbscope.schema.TrainerCheckpoint;
import io.hebbscope.trainer.Checkpoint;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.TrainingListener;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The publisher's checkpoints (issue 11, item 4): sent after step 0 and every snapshotEvery steps, behind everything
 * before them, keyed by run id; and a resumed run's records: no RunStarted, the first LayerStep and LayerStats chained
 * to the last ones published before the checkpoint, RunFinished of the whole run.
 */
class CheckpointPublishingTest {
    private static final Topics TOPICS = new Topics("ckpt");
    private static final EventCodec CODEC = EventCodec.get();

    /** 256 examples in batches of 64: 4 steps per epoch, 3 epochs. */
    private static TrainerConfig config() {
        return TrainerConfig.builder().runId("ckpt-run").trainSize(256).validationSize(64).batchSize(64).epochs(3)
            .learningRate(0.05).noiseSigma(1e-3).seed(4).widths(8, 16, 4).rule("adam").build();
    }

    /** Tensors every 2 steps, statistics every step, snapshots and checkpoints every 4. */
    private static PublishPolicy policy() {
        return new PublishPolicy(2, 4, DType.FLOAT32, 2048, 1).withCheckpoints(true);
    }

    @Test
    void checkpointsFollowTheirStepAndAResumedRunChainsToTheStepsBeforeIt() {
        MockProducer<String, byte[]> producer = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        List<Checkpoint> taken = new ArrayList<>();
        TrainingListener keep = new TrainingListener() {
            @Override public void onStep(io.hebbscope.trainer.StepRecord step) {}

            @Override public boolean wantsCheckpoint(long step) { return true; }

            @Override public void onCheckpoint(Checkpoint c) { taken.add(c); }
        };
        try (EventPublisher publisher = new EventPublisher(producer, TOPICS, policy(), 2)) {
            new Trainer(config()).run(publisher, keep);
            assertThat(publisher.checkpointsSent()).isEqualTo(3); // after steps 0, 4, 8
        }
        List<ProducerRecord<String, byte[]>> sent = producer.history();
        RunStarted started = (RunStarted) CODEC.decodeAny(sent.get(0).value());
        assertThat(started.getConfig()).containsEntry("maxBlockBytes", "2048");
        List<Long> checkpointSteps = new ArrayList<>();
        long lastMetricsStep = -1;
        for (ProducerRecord<String, byte[]> r : sent) {
            SpecificRecord e = CODEC.decodeAny(r.value());
            if (e instanceof StepMetrics m) {
                lastMetricsStep = m.getStep();
            } else if (e instanceof TrainerCheckpoint c) {
                assertThat(r.topic()).isEqualTo("ckpt.checkpoints");
                assertThat(r.key()).isEqualTo("ckpt-run");
                // behind its own step's records
                assertThat(lastMetricsStep).isEqualTo(c.getStep());
                if (c.getPart() == 0) {
                    checkpointSteps.add(c.getStep());
                }
            }
        }
        assertThat(checkpointSteps).containsExactly(0L, 4L, 8L);
        assertThat(ResumePoint.policyOf(started)).isEqualTo(policy());

        // Resume after step 4 (the crash came later): steps 5..11 go out again, chained to steps 4 (tensors) and 4 (stats).
        Checkpoint after4 = taken.get(4);
        assertThat(after4.step()).isEqualTo(4);
        MockProducer<String, byte[]> again = new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
        try (EventPublisher publisher = new EventPublisher(again, TOPICS, ResumePoint.policyOf(started), 2)) {
            new Trainer(config()).resumeFrom(after4).run(publisher);
        }
        List<SpecificRecord> resumed = again.history().stream().map(r -> CODEC.decodeAny(r.value())).toList();
        assertThat(resumed).noneMatch(RunStarted.class::isInstance);
        assertThat(resumed.get(0)).isInstanceOf(StepMetrics.class);
        assertThat(((StepMetrics) resumed.get(0)).getStep()).isEqualTo(5);
        LayerStep firstStep = resumed.stream().filter(LayerStep.class::isInstance).map(LayerStep.class::cast).findFirst()
            .orElseThrow();
        assertThat(firstStep.getStep()).isEqualTo(6);
        assertThat(firstStep.getPreviousStep()).isEqualTo(4);
        LayerStats firstStats = resumed.stream().filter(LayerStats.class::isInstance).map(LayerStats.class::cast).findFirst()
            .orElseThrow();
        assertThat(firstStats.getStep()).isEqualTo(5);
        assertThat(firstStats.getPreviousStep()).isEqualTo(4);
        assertThat(resumed.get(resumed.size() - 1)).isInstanceOf(RunFinished.class);
        assertThat(((RunFinished) resumed.get(resumed.size() - 1)).getSteps()).isEqualTo(12);
        assertThat(resumed.stream().filter(TrainerCheckpoint.class::isInstance).map(TrainerCheckpoint.class::cast)
            .filter(c -> c.getPart() == 0).map(TrainerCheckpoint::getStep)).containsExactly(8L);

        // The records of steps 5..11 are those of the uninterrupted run, bit for bit (but for the wall-clock times).
        List<SpecificRecord> original = sent.stream().map(r -> CODEC.decodeAny(r.value()))
            .filter(e -> e instanceof LayerStep s && s.getStep() > 4 || e instanceof StepMetrics m && m.getStep() > 4)
            .map(CheckpointPublishingTest::withoutTime).toList();
        List<SpecificRecord> republished = resumed.stream()
            .filter(e -> e instanceof LayerStep || e instanceof StepMetrics).map(CheckpointPublishingTest::withoutTime).toList();
        assertThat(republished).isEqualTo(original);
    }

    private static SpecificRecord withoutTime(SpecificRecord e) {
        if (e instanceof LayerStep s) {
            return LayerStep.newBuilder(s).setTimestampMs(0L).build();
        }
        StepMetrics m = (StepMetrics) e;
        return StepMetrics.newBuilder(m).setTimestampMs(0L).build();
    }
}
