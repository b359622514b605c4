package io.hebbscope.bench;

import io.hebbscope.trainer.RunInfo;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.TrainingListener;
import io.hebbscope.trainer.publish.PublishPolicy;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Notes when each published step of one run is handed to the publisher. Listed right before the
 * {@code EventPublisher}, its wall-clock time is the LayerStep's {@code timestampMs} (which the publisher takes as
 * its onStep begins) to within the call in between; {@link #afterPublisher()} notes when the publisher has flushed
 * at the end of the run.
 */
final class PublishClock implements TrainingListener {
    private final PublishPolicy policy;
    private final Map<Long, Long> publishedAtMs = new ConcurrentHashMap<>();
    private volatile RunInfo run;
    private volatile long startNanos;
    private volatile long endNanos;
    private volatile long lastStep = -1;

    PublishClock(PublishPolicy policy) {
        this.policy = policy;
    }

    @Override
    public void onRunStart(RunInfo run) {
        this.run = run;
        startNanos = System.nanoTime();
    }

    @Override
    public void onStep(StepRecord step) {
        if (policy.analyzes(step.step())) {
            publishedAtMs.put(step.step(), System.currentTimeMillis());
        }
        lastStep = step.step();
    }

    /** A listener to list after the publisher: its onRunEnd runs once the publisher has flushed. */
    TrainingListener afterPublisher() {
        return new TrainingListener() {
            @Override
            public void onStep(StepRecord step) {}

            @Override
            public void onRunEnd(RunSummary summary) {
                endNanos = System.nanoTime();
            }
        };
    }

    String runId() {
        return run.runId();
    }

    int layers() {
        return run.layers().size();
    }

    /** Wall-clock ms at which {@code step} was handed to the publisher, or null when it was not analyzed (no statistics, no tensors). */
    Long publishedAtMs(long step) {
        return publishedAtMs.get(step);
    }

    /** LayerAlignment records the analyzer will emit for this run: one per layer and published step. */
    long expectedOutputs() {
        return (long) layers() * publishedAtMs.size();
    }

    long firstPublishMs() {
        return publishedAtMs.values().stream().mapToLong(Long::longValue).min().orElseThrow();
    }

    long lastStep() {
        return lastStep;
    }

    long startNanos() {
        return startNanos;
    }

    long endNanos() {
        return endNanos;
    }

    /** Seconds from the run's start to the publisher's final flush. */
    double seconds() {
        if (endNanos == 0) {
            throw new IllegalStateException("run " + (run == null ? "?" : run.runId()) + " has not ended");
        }
        return (endNanos - startNanos) / 1e9;
    }
}
