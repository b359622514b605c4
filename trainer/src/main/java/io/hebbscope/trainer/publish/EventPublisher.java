package io.hebbscope.trainer.publish;

import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerShape;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.Checkpoint;
import io.hebbscope.trainer.LayerInfo;
import io.hebbscope.trainer.ThreadPriority;
import io.hebbscope.trainer.RunInfo;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.TrainingListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes a run as events: RunStarted, per step StepMetrics and, on the steps the policy publishes, per monitored
 * layer LayerStats (per-neuron statistics) and/or LayerSteps (the tensors), split into blocks of whole neuron rows;
 * then RunFinished.
 *
 * <p>The training thread only copies a step's tensors out of its workspace (into pooled arrays) and hands the copy to
 * a publisher thread through a bounded queue of {@code queueCapacity} steps; that thread encodes and sends the
 * records, in order, through an idempotent producer with acks=all. When the queue is full the training thread waits
 * (never drops); {@link #blockedNanos()} and {@link #blockedTimes()} say how much. A failed send stops training:
 * the next {@code onStep} or {@code onRunEnd} throws with its error. {@code onRunEnd} returns once everything,
 * RunFinished last, is acknowledged. One publisher serves one run.
 *
 * <p>With {@link PublishPolicy#checkpoints()} it also sends a TrainerCheckpoint after step 0 and every
 * {@code snapshotEvery} steps, once every earlier record is acknowledged ({@link #onCheckpoint}). A resumed run
 * ({@link #onRunResume}) sends no RunStarted. The producer is idempotent, not transactional: each producer gets its own
 * producer id from the broker, so a resumed trainer's producer never clashes with (nor fences) the crashed one's; the
 * crashed one's unacknowledged records are either in the log or not, and the resumed trainer sends its steps again.
 */
public final class EventPublisher implements TrainingListener, AutoCloseable {
    /**
     * Steps that may wait for the publisher thread. A few absorb bursts (a validation step, a GC pause, a slow
     * broker round trip) without holding much memory: about capacity + 2 copies of a step's tensors are live.
     */
    public static final int DEFAULT_QUEUE_CAPACITY = 4;
    /** The RunStarted config entry saying the publisher's maxBlockBytes (the layers' blocking follows from it). */
    public static final String MAX_BLOCK_BYTES_KEY = "maxBlockBytes";

    private final Producer<String, byte[]> producer;
    private final Topics topics;
    private final String runsTopic;
    private final String layerStepsTopic;
    private final String layerStatsTopic;
    private final String checkpointsTopic;
    private final PublishPolicy policy;
    private final EventCodec codec = EventCodec.get();
    private final BlockingQueue<Job> queue;
    private final ConcurrentLinkedQueue<StepCopy> freeCopies = new ConcurrentLinkedQueue<>();
    private final Thread publisherThread;
    private volatile int requestedNice;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong recordsSent = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong layerStepsSent = new AtomicLong();
    private final AtomicLong layerStepBytesSent = new AtomicLong();
    private final AtomicLong layerStatsSent = new AtomicLong();
    private final AtomicLong layerStatsBytesSent = new AtomicLong();
    private final AtomicLong blockedNanos = new AtomicLong();
    private final AtomicLong blockedTimes = new AtomicLong();
    private final AtomicLong checkpointsSent = new AtomicLong();
    /** Set in onRunStart, before the first job is queued (the queue orders it before the publisher thread's use). */
    private StepEncoder encoder;
    private boolean closed;

    /** What the training thread hands to the publisher thread, in order. */
    private sealed interface Job permits StepJob, Send, Flush, Stop, CheckpointJob {}

    private record StepJob(StepCopy copy) implements Job {}

    /** A checkpoint, sent once everything queued before it is acknowledged. */
    private record CheckpointJob(Checkpoint checkpoint, long timestampMs) implements Job {}

    private record Send(String topic, String key, byte[] value) implements Job {}

    /** Flushes the producer, then counts down. */
    private record Flush(CountDownLatch done) implements Job {}

    private record Stop() implements Job {}

    /** Publishing with {@link #DEFAULT_QUEUE_CAPACITY}. */
    public EventPublisher(Properties clientProps, Topics topics, PublishPolicy policy) {
        this(clientProps, topics, policy, DEFAULT_QUEUE_CAPACITY);
    }

    /** @param queueCapacity steps that may wait for the publisher thread before onStep blocks (at least 1) */
    public EventPublisher(Properties clientProps, Topics topics, PublishPolicy policy, int queueCapacity) {
        this(new KafkaProducer<>(producerProps(clientProps), new StringSerializer(), new ByteArraySerializer()), topics,
            policy, queueCapacity);
    }

    EventPublisher(Producer<String, byte[]> producer, Topics topics, PublishPolicy policy, int queueCapacity) {
        if (queueCapacity < 1) {
            producer.close();
            throw new IllegalArgumentException("queue capacity must be >= 1, got " + queueCapacity);
        }
        this.producer = producer;
        this.topics = topics;
        this.runsTopic = topics.runs().name();
        this.layerStepsTopic = topics.layerSteps().name();
        this.layerStatsTopic = topics.layerStats().name();
        this.checkpointsTopic = topics.checkpoints().name();
        this.policy = policy;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.publisherThread = new Thread(this::publishUntilStopped, "hebbscope-publisher");
        publisherThread.setDaemon(true);
        publisherThread.start();
    }

    /**
     * The producer settings the publisher uses on top of {@code clientProps}: idempotent, acks=all, a bounded buffer
     * that blocks rather than drops, large batches, no compression. Public so a benchmark (Kafka's
     * ProducerPerformance) can run with exactly these.
     */
    public static Properties producerProps(Properties clientProps) {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        // Blocks (rather than drops) while the buffer is full; a broker gone for this long fails the run.
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000);
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 1024 * 1024);
        p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TopicSetup.MAX_MESSAGE_BYTES);
        // Random float payloads barely compress (stack notes): none is the cheapest.
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        return p;
    }

    @Override
    public void onRunStart(RunInfo run) {
        requireOpen();
        List<LayerShape> shapes = new ArrayList<>();
        for (LayerInfo layer : run.layers()) {
            Keys.requireValidName("layer", layer.name());
            int per = policy.rowsPerBlock(layer.rows(), layer.cols());
            shapes.add(new LayerShape(layer.name(), layer.index(), layer.rows(), layer.cols(), per,
                (layer.rows() + per - 1) / per));
        }
        HashMap<String, String> config = new HashMap<>(run.config());
        // the blocking of the layers follows from it: a resumed trainer (train --resume) must cut its blocks the same way
        config.putIfAbsent(MAX_BLOCK_BYTES_KEY, Integer.toString(policy.maxBlockBytes()));
        RunStarted started = RunStarted.newBuilder()
            .setRunId(Keys.requireValidName("run id", run.runId())).setStartedAtMs(System.currentTimeMillis())
            .setTask(run.task()).setModel(run.model()).setRule(run.rule()).setSeed(run.seed())
            .setConfig(config).setLayers(shapes)
            .setStepsPerEpoch(run.stepsPerEpoch()).setTotalSteps(run.totalSteps())
            .setPublishEvery(policy.every()).setSnapshotEvery(policy.snapshotEvery()).setDtype(policy.dtype())
            .setStatsEvery(policy.statsEvery()).setStatsRowsPerBlock(policy.statsEvery() > 0 ? policy.statsBlockRows() : 0)
            .build();
        encoder = new StepEncoder(run.runId(), topics, policy);
        putUninterruptibly(new Send(runsTopic, Keys.runStarted(run.runId()), codec.encode(started)));
    }

    /**
     * A run resumed from a checkpoint: its RunStarted is on the runs topic already (it is not sent again); the records
     * of {@code firstStep} on chain to the steps published before it, as in an uninterrupted run.
     */
    @Override
    public void onRunResume(RunInfo run, long firstStep) {
        requireOpen();
        Keys.requireValidName("run id", run.runId());
        encoder = new StepEncoder(run.runId(), topics, policy);
        encoder.resumeAfter(firstStep - 1);
    }

    @Override
    public boolean wantsCheckpoint(long step) {
        return policy.checkpoints(step);
    }

    /**
     * Queues the checkpoint behind the step it follows; the publisher thread sends it only once every record before it
     * is acknowledged, so a checkpoint in the log means its step and every earlier one are in the log too.
     */
    @Override
    public void onCheckpoint(Checkpoint checkpoint) {
        requireOpen();
        checkFailure();
        putUninterruptibly(new CheckpointJob(checkpoint, System.currentTimeMillis()));
    }

    @Override
    public boolean wantsTerms(long step) {
        return policy.analyzes(step);
    }

    /**
     * Never: the publisher thread computes H itself from the batch's h and a (copied on their backend), for the tensors
     * and the statistics alike, so that one matrix product of the forward pass's size leaves the training step.
     */
    @Override
    public boolean wantsHebbian(long step) {
        return false;
    }

    /**
     * Copies the step (its terms only on steps the policy publishes, whoever asked for them; on steps with statistics,
     * on the terms' backend, what the publisher thread computes them from) and queues it.
     */
    @Override
    public void onStep(StepRecord step) {
        requireOpen();
        if (encoder == null) {
            throw new IllegalStateException("onStep before onRunStart");
        }
        checkFailure();
        long handedOverAt = System.currentTimeMillis();
        StepCopy copy = freeCopies.poll();
        if (copy == null) {
            copy = new StepCopy();
        }
        copy.fill(step, handedOverAt, policy.publishes(step.step()), policy.snapshots(step.step()),
            policy.publishesStats(step.step()));
        StepJob job = new StepJob(copy);
        if (!queue.offer(job)) {
            long start = System.nanoTime();
            putUninterruptibly(job);
            blockedNanos.addAndGet(System.nanoTime() - start);
            blockedTimes.incrementAndGet();
        }
    }

    @Override
    public void onRunEnd(RunSummary summary) {
        requireOpen();
        RunFinished finished = new RunFinished(summary.runId(), System.currentTimeMillis(), summary.steps(),
            summary.status(), summary.finalTrainLoss(), summary.finalValidationLoss());
        putUninterruptibly(new Send(runsTopic, Keys.runFinished(summary.runId()), codec.encode(finished)));
        CountDownLatch flushed = new CountDownLatch(1);
        putUninterruptibly(new Flush(flushed));
        awaitUninterruptibly(flushed);
        checkFailure();
    }

    /**
     * Queues {@code job}, waiting while the queue is full. An interrupt does not drop the job: the wait goes on
     * (the publisher thread keeps taking jobs) and the interrupt flag is set again for the trainer to see.
     */
    private void putUninterruptibly(Job job) {
        boolean interrupted = false;
        while (true) {
            try {
                queue.put(job);
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs the publisher thread at {@code nice} ({@link ThreadPriority}) from its next job on: its encoding and the
     * Hebbian term's product are the trainer's work too, which yields to an analyzer sharing the cores.
     */
    public void yieldCpu(int nice) {
        requestedNice = nice;
    }

    private void publishUntilStopped() {
        int appliedNice = 0;
        while (true) {
            Job job;
            try {
                job = queue.take();
            } catch (InterruptedException e) {
                continue; // only Stop ends this thread, so a waiting training thread is never left hanging
            }
            if (job instanceof Stop) {
                return;
            }
            int nice = requestedNice;
            if (nice > appliedNice) {
                ThreadPriority.lowerCurrentThread(nice); // never throws
                appliedNice = nice;
            }
            try {
                publish(job);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }
    }

    private void publish(Job job) {
        if (job instanceof StepJob s) {
            try {
                if (failure.get() == null) {
                    encoder.encode(s.copy(), this::send);
                }
            } finally {
                freeCopies.add(s.copy());
            }
        } else if (job instanceof Send s) {
            if (failure.get() == null) {
                send(s.topic(), s.key(), s.value());
            }
        } else if (job instanceof CheckpointJob c) {
            producer.flush();
            if (failure.get() == null) {
                List<io.hebbscope.schema.TrainerCheckpoint> parts = CheckpointCodec.encode(c.checkpoint(), c.timestampMs(),
                    CheckpointCodec.DEFAULT_PART_BYTES);
                String key = Keys.checkpoint(c.checkpoint().runId());
                for (io.hebbscope.schema.TrainerCheckpoint part : parts) {
                    boolean last = part.getPart() == part.getParts() - 1;
                    send(checkpointsTopic, key, codec.encode(part), last ? checkpointsSent::incrementAndGet : null);
                }
            }
        } else if (job instanceof Flush f) {
            try {
                producer.flush();
            } finally {
                f.done().countDown();
            }
        }
    }

    private void send(String topic, String key, byte[] value) {
        send(topic, key, value, null);
    }

    /** @param acked run once the broker acknowledged the record (null: nothing) */
    private void send(String topic, String key, byte[] value, Runnable acked) {
        boolean layerStep = topic.equals(layerStepsTopic);
        boolean layerStats = topic.equals(layerStatsTopic);
        int length = value.length; // the callback keeps the length, not the value, until the ack
        producer.send(new ProducerRecord<>(topic, key, value), (meta, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                recordsSent.incrementAndGet();
                bytesSent.addAndGet(length);
                if (acked != null) {
                    acked.run();
                }
                if (layerStep) {
                    layerStepsSent.incrementAndGet();
                    layerStepBytesSent.addAndGet(length);
                } else if (layerStats) {
                    layerStatsSent.incrementAndGet();
                    layerStatsBytesSent.addAndGet(length);
                }
            }
        });
    }

    private void checkFailure() {
        Throwable e = failure.get();
        if (e != null) {
            throw new IllegalStateException("publishing to Kafka failed, training stops rather than drop events: " + e, e);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the publisher is closed");
        }
    }

    /** Records acknowledged by the broker so far. */
    public long recordsSent() {
        return recordsSent.get();
    }

    /** Value bytes acknowledged by the broker so far. */
    public long bytesSent() {
        return bytesSent.get();
    }

    /** LayerStep records acknowledged so far (a part of {@link #recordsSent()}). */
    public long layerStepsSent() {
        return layerStepsSent.get();
    }

    /** Value bytes of the acknowledged LayerStep records. */
    public long layerStepBytesSent() {
        return layerStepBytesSent.get();
    }

    /** LayerStats records acknowledged so far (a part of {@link #recordsSent()}). */
    public long layerStatsSent() {
        return layerStatsSent.get();
    }

    /** Value bytes of the acknowledged LayerStats records. */
    public long layerStatsBytesSent() {
        return layerStatsBytesSent.get();
    }

    /** Checkpoints whose every part the broker acknowledged. */
    public long checkpointsSent() {
        return checkpointsSent.get();
    }

    /** Total time onStep waited for room in the queue. */
    public long blockedNanos() {
        return blockedNanos.get();
    }

    /** How many times onStep found the queue full and waited. */
    public long blockedTimes() {
        return blockedTimes.get();
    }

    boolean publisherThreadAlive() {
        return publisherThread.isAlive();
    }

    /**
     * Sends what is still queued (unless a send already failed), stops the publisher thread and closes the producer,
     * which waits for outstanding sends. Also the way out after training threw.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            putUninterruptibly(new Stop());
            boolean interrupted = false;
            while (publisherThread.isAlive()) {
                try {
                    publisherThread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        } finally {
            producer.close();
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
