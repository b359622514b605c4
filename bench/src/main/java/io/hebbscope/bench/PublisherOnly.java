package io.hebbscope.bench;

import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.RunInfo;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.TrainingListener;
import io.hebbscope.trainer.probe.LayerTerms;
import io.hebbscope.trainer.publish.EventPublisher;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The publisher with training out of the way: one real step's terms, copied out of the step workspace, handed to a
 * real {@link EventPublisher} again and again as consecutive steps. Throughput is counted over the steps after the
 * warm-up, up to the publisher's final flush, from what the broker acknowledged in that window.
 */
final class PublisherOnly {
    /**
     * @param steps            steps measured (after the warm-up)
     * @param seconds          from the first measured step to the end-of-run flush
     * @param records          layer-step records the broker acknowledged in that window
     * @param bytes            their value bytes
     * @param layerStepRecords layer-step records over the whole run, warm-up included
     * @param layerStepBytes   their value bytes
     */
    record Result(long steps, double seconds, long records, long bytes, long layerStepRecords, long layerStepBytes) {
        double mbPerSecond() {
            return bytes / 1e6 / seconds;
        }

        double recordsPerSecond() {
            return records / seconds;
        }

        int meanLayerStepBytes() {
            return (int) Math.round((double) layerStepBytes / layerStepRecords);
        }
    }

    private PublisherOnly() {}

    /** One step's terms, copied outside any workspace. */
    private record Captured(RunInfo run, StepRecord step) {}

    static Result run(Properties client, Topics topics, TrainerConfig base, PublishPolicy policy, int warmup, int steps) {
        Captured captured = capture(base);
        AckedBytes acked = new AckedBytes();
        try (acked; EventPublisher publisher = new EventPublisher(acked.attachTo(client), topics, policy)) {
            String layerSteps = topics.layerSteps().name();
            RunInfo run = captured.run();
            StepRecord s = captured.step();
            int perEpoch = Math.max(1, run.stepsPerEpoch());
            publisher.onRunStart(run);
            long startNanos = 0;
            long records0 = 0;
            long bytes0 = 0;
            int total = warmup + steps;
            for (int i = 0; i < total; i++) {
                if (i == 1) {
                    awaitCompleted(acked);
                }
                if (i == warmup) {
                    startNanos = System.nanoTime();
                    records0 = acked.records(layerSteps);
                    bytes0 = acked.bytes(layerSteps);
                }
                publisher.onStep(new StepRecord(i, i / perEpoch, s.trainLoss(), null, s.learningRate(), s.weightNorms(),
                    policy.publishes(i) ? s.layers() : List.of(), null));
            }
            publisher.onRunEnd(new RunSummary(run.runId(), total, s.trainLoss(), null, "completed"));
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            return new Result(steps, seconds, acked.records(layerSteps) - records0, acked.bytes(layerSteps) - bytes0,
                acked.records(layerSteps), acked.bytes(layerSteps));
        }
    }

    /**
     * Waits until the first step's records are acknowledged before the burst, so that the producer's first batch
     * to each partition is alone in flight. Seen twice in five runs on a loaded machine without it: the first batch
     * (sequence 0) of a partition failed and was retried while the next ones, already in flight, were appended
     * (the broker accepts any first sequence from an idempotent producer it has no state for); the retried
     * sequence 0 was then out of order until delivery.timeout.ms failed the run.
     */
    private static void awaitCompleted(AckedBytes acked) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(5);
        while (!acked.allCompleted() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** Trains until step 1 (step 0 carries the weight snapshot, like every snapshot step) and keeps its terms. */
    private static Captured capture(TrainerConfig base) {
        Trainer trainer = new Trainer(base.toBuilder().epochs(1).build());
        List<StepRecord> kept = new ArrayList<>();
        TrainingListener keeper = new TrainingListener() {
            @Override
            public boolean wantsTerms(long step) {
                return true;
            }

            @Override
            public void onStep(StepRecord step) {
                if (step.step() < 1 && trainer.config().stepsPerEpoch() > 1) {
                    return;
                }
                List<LayerTerms> copies = new ArrayList<>();
                try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                    for (LayerTerms t : step.layers()) {
                        copies.add(new LayerTerms(t.layer(), copy(t.weights()), copy(t.gradient()), copy(t.signal()),
                            copy(t.hebbian()), copy(t.update()), copy(t.outputSquareMean())));
                    }
                }
                kept.add(new StepRecord(step.step(), step.epoch(), step.trainLoss(), null, step.learningRate(),
                    step.weightNorms().clone(), List.copyOf(copies), null));
                throw new TrainingStop();
            }
        };
        try {
            trainer.run(keeper);
        } catch (TrainingStop e) {
            // captured
        }
        if (kept.isEmpty()) {
            throw new IllegalStateException("training ended before a step could be captured");
        }
        return new Captured(trainer.runInfo(), kept.get(0));
    }

    private static INDArray copy(INDArray a) {
        return a == null ? null : a.dup();
    }
}
