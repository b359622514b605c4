package io.hebbscope.trainer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.hebbscope.broker.EmbeddedKafkaBroker;
import io.hebbscope.schema.DType;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.TopicPartitions;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.LayerInfo;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.TrainingListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The publisher thread and its queue against a real in-process broker (and, for blocking, a producer held back). */
class EventPublisherTest {
    private static final EventCodec CODEC = EventCodec.get();
    private static EmbeddedKafkaBroker broker;
    private static Properties client;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.builder().build().start();
        client = new Properties();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    /** 512 examples in batches of 64: 8 steps per epoch, 16 steps; layers 40x16, 24x40, 8x24. */
    private static TrainerConfig.Builder small(String runId) {
        return TrainerConfig.builder().runId(runId).trainSize(512).validationSize(64).batchSize(64).epochs(2)
            .learningRate(0.05).weightDecay(1e-3).noiseSigma(1e-3).seed(4).widths(16, 40, 24, 8);
    }

    /** Topics that exist with their leaders known before anything is produced (see the stack notes). */
    private static Topics topics(String prefix, Map<String, String> layerStepsConfig) {
        Topics topics = new Topics(prefix);
        Map<String, String> layerSteps = new LinkedHashMap<>(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
            Integer.toString(TopicSetup.MAX_MESSAGE_BYTES)));
        layerSteps.putAll(layerStepsConfig);
        broker.createTopics(List.of(new NewTopic(topics.runs().name(), 1, (short) 1),
            new NewTopic(topics.trainMetrics().name(), 3, (short) 1),
            new NewTopic(topics.layerSteps().name(), 3, (short) 1).configs(layerSteps)));
        return topics;
    }

    private static int blocksPerStep(List<LayerInfo> layers, PublishPolicy policy) {
        int blocks = 0;
        for (LayerInfo l : layers) {
            int per = policy.rowsPerBlock(l.rows(), l.cols());
            blocks += (l.rows() + per - 1) / per;
        }
        return blocks;
    }

    /** Every record now in {@code topic}, each partition in offset order. */
    private static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, TopicSetup.MAX_MESSAGE_BYTES);
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = TopicPartitions.assignFromBeginning(c, topic);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** Wants the terms of every step, as a probe-hungry listener beside the publisher might. */
    private static final TrainingListener WANTS_EVERY_STEP = new TrainingListener() {
        @Override
        public boolean wantsTerms(long step) {
            return true;
        }

        @Override
        public void onStep(StepRecord step) {}
    };

    @Test
    void everyEventArrivesInOrderThroughAOneStepQueue() {
        Topics topics = topics("order", Map.of());
        TrainerConfig config = small("order-run").build();
        // LayerSteps every 2nd step (though another listener wants every step's terms), snapshots every 4th, small blocks.
        PublishPolicy policy = new PublishPolicy(2, 4, DType.FLOAT32, 1024);
        Trainer trainer = new Trainer(config);
        RunSummary summary;
        long sent;
        try (EventPublisher publisher = new EventPublisher(client, topics, policy, 1)) {
            summary = trainer.run(publisher, WANTS_EVERY_STEP);
            sent = publisher.recordsSent();
            assertThat(publisher.layerStepsSent()).isPositive();
        }
        assertThat(summary.status()).isEqualTo("completed");
        assertThat(summary.steps()).isEqualTo(16);
        int blocks = blocksPerStep(trainer.runInfo().layers(), policy);
        assertThat(blocks).isGreaterThan(3);

        List<ConsumerRecord<String, byte[]>> runs = readAll(topics.runs().name());
        List<ConsumerRecord<String, byte[]>> metrics = readAll(topics.trainMetrics().name());
        List<ConsumerRecord<String, byte[]>> layerSteps = readAll(topics.layerSteps().name());
        assertThat(runs.size() + metrics.size() + layerSteps.size()).isEqualTo(sent).isEqualTo(2 + 16 + 8 * blocks);

        assertThat(runs).extracting(r -> (Object) CODEC.decodeAny(r.value()).getClass())
            .containsExactly(RunStarted.class, RunFinished.class);
        RunStarted started = CODEC.decode(runs.get(0).value(), RunStarted.class);
        RunFinished finished = CODEC.decode(runs.get(1).value(), RunFinished.class);
        assertThat(metrics).extracting(r -> CODEC.decode(r.value(), StepMetrics.class).getStep())
            .containsExactlyElementsOf(LongStream.range(0, 16).boxed().toList());

        Map<String, List<LayerStep>> byKey = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : layerSteps) {
            byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(CODEC.decode(r.value(), LayerStep.class));
            // Sent after RunStarted and before RunFinished (record timestamps are taken at send)
            assertThat(r.timestamp()).isBetween(runs.get(0).timestamp(), runs.get(1).timestamp());
        }
        assertThat(byKey).hasSize(blocks);
        for (Map.Entry<String, List<LayerStep>> e : byKey.entrySet()) {
            List<LayerStep> steps = e.getValue();
            assertThat(steps).as(e.getKey()).extracting(LayerStep::getStep).containsExactly(0L, 2L, 4L, 6L, 8L, 10L, 12L, 14L);
            assertThat(steps).as(e.getKey()).extracting(LayerStep::getPreviousStep)
                .containsExactly(-1L, 0L, 2L, 4L, 6L, 8L, 10L, 12L);
            assertThat(steps).as(e.getKey()).extracting(s -> s.getWeights() != null)
                .containsExactly(true, false, true, false, true, false, true, false);
            for (LayerStep s : steps) {
                assertThat(s.getTimestampMs()).isBetween(started.getStartedAtMs(), finished.getFinishedAtMs());
            }
        }
    }

    /** The nice value of this JVM's threads named {@code name} (their first 15 characters, as Linux keeps them). */
    private static List<Integer> niceOfThreads(String name) throws Exception {
        List<Integer> nice = new ArrayList<>();
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            for (var task : tasks.toList()) {
                try {
                    if (java.nio.file.Files.readString(task.resolve("comm")).trim().equals(name.substring(0, 15))) {
                        String stat = java.nio.file.Files.readString(task.resolve("stat"));
                        nice.add(Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]));
                    }
                } catch (java.io.IOException ended) {
                    // the thread ended while listed
                }
            }
        }
        return nice;
    }

    @Test
    void aYieldingPublisherEncodesAtALowerPriorityAndLosesNothing() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isSymbolicLink(java.nio.file.Path.of("/proc/thread-self")),
            "Linux only");
        Topics topics = topics("yielding", Map.of());
        PublishPolicy policy = new PublishPolicy(1, 4, DType.FLOAT32, 1024);
        Trainer trainer = new Trainer(small("yielding-run").epochs(1).build());
        List<Integer> duringTraining = new ArrayList<>();
        long sent;
        try (EventPublisher publisher = new EventPublisher(client, topics, policy, 1)) {
            publisher.yieldCpu(io.hebbscope.trainer.ThreadPriority.YIELDING_NICE);
            trainer.run(publisher, new TrainingListener() {
                @Override
                public void onStep(StepRecord step) {
                    if (step.step() == 6) {
                        try {
                            duringTraining.addAll(niceOfThreads("hebbscope-publisher"));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            });
            sent = publisher.recordsSent();
        }
        assertThat(duringTraining).containsExactly(io.hebbscope.trainer.ThreadPriority.YIELDING_NICE);
        int blocks = blocksPerStep(trainer.runInfo().layers(), policy);
        assertThat(readAll(topics.runs().name()).size() + readAll(topics.trainMetrics().name()).size()
            + readAll(topics.layerSteps().name()).size()).isEqualTo(sent).isEqualTo(2 + 8 + 8 * blocks);
    }

    /** A producer whose sends wait for permits: the publisher thread stalls as on a slow broker. */
    static final class HeldBackProducer extends MockProducer<String, byte[]> {
        final Semaphore permits = new Semaphore(0);

        HeldBackProducer() {
            super(true, null, new StringSerializer(), new ByteArraySerializer());
        }

        @Override
        public Future<RecordMetadata> send(ProducerRecord<String, byte[]> record, Callback callback) {
            permits.acquireUninterruptibly();
            return super.send(record, callback);
        }
    }

    @Test
    void aFullQueueMakesTrainingWaitAndLosesNothing() throws Exception {
        HeldBackProducer producer = new HeldBackProducer();
        PublishPolicy policy = new PublishPolicy(1, 1000, DType.FLOAT32, 1024);
        Trainer trainer = new Trainer(small("held-back").build());
        AtomicLong lastStepSeen = new AtomicLong(-1);
        TrainingListener seen = new TrainingListener() {
            @Override
            public void onStep(StepRecord step) {
                lastStepSeen.set(step.step());
            }
        };
        try (EventPublisher publisher = new EventPublisher(producer, new Topics("held"), policy, 1)) {
            AtomicReference<RunSummary> summary = new AtomicReference<>();
            Thread training = new Thread(() -> summary.set(trainer.run(seen, publisher)), "training");
            training.start();
            // RunStarted is stuck in send and step 0 fills the queue, so training waits in onStep of step 1.
            await().atMost(Duration.ofMinutes(2)).until(
                () -> lastStepSeen.get() == 1 && training.getState() == Thread.State.WAITING);
            assertThat(producer.history()).isEmpty();
            producer.permits.release(1_000_000);
            training.join();

            assertThat(summary.get().status()).isEqualTo("completed");
            assertThat(publisher.blockedTimes()).isPositive();
            assertThat(publisher.blockedNanos()).isPositive();
            int blocks = blocksPerStep(trainer.runInfo().layers(), policy);
            List<SpecificRecord> sentInOrder = producer.history().stream().map(r -> CODEC.decodeAny(r.value())).toList();
            assertThat(sentInOrder).hasSize(2 + 16 * (1 + blocks));
            assertThat(publisher.recordsSent()).isEqualTo(sentInOrder.size());
            assertThat(sentInOrder.get(0)).isInstanceOf(RunStarted.class);
            assertThat(sentInOrder.get(sentInOrder.size() - 1)).isInstanceOf(RunFinished.class);
            int i = 1;
            for (long step = 0; step < 16; step++) {
                assertThat(((StepMetrics) sentInOrder.get(i++)).getStep()).isEqualTo(step);
                for (int b = 0; b < blocks; b++) {
                    assertThat(((LayerStep) sentInOrder.get(i++)).getStep()).isEqualTo(step);
                }
            }
        }
    }

    @Test
    void aFailedSendStopsTrainingWithItsError() {
        // The broker refuses LayerSteps over 2 KB: RecordTooLargeException, which no retry can fix.
        Topics topics = topics("too-large", Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "2048"));
        EventPublisher publisher = new EventPublisher(client, topics, PublishPolicy.DEFAULT);
        try (publisher) {
            assertThatThrownBy(() -> new Trainer(small("too-large").build()).run(publisher))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("publishing to Kafka failed")
                .hasRootCauseInstanceOf(RecordTooLargeException.class);
        }
        assertThat(publisher.publisherThreadAlive()).isFalse();
    }

    @Test
    void closingAfterTrainingThrewSendsWhatWasQueuedAndStopsTheThread() {
        Topics topics = topics("threw", Map.of());
        PublishPolicy policy = PublishPolicy.DEFAULT;
        Trainer trainer = new Trainer(small("threw").build());
        TrainingListener failsAtStep3 = new TrainingListener() {
            @Override
            public void onStep(StepRecord step) {
                if (step.step() == 3) {
                    throw new IllegalStateException("listener failed");
                }
            }
        };
        EventPublisher publisher = new EventPublisher(client, topics, policy, 8);
        try (publisher) {
            assertThatThrownBy(() -> trainer.run(publisher, failsAtStep3)).hasMessage("listener failed");
        }
        assertThat(publisher.publisherThreadAlive()).isFalse();
        int blocks = blocksPerStep(trainer.runInfo().layers(), policy);
        // RunStarted and steps 0..3 (no RunFinished: onRunEnd was skipped), all acknowledged by close.
        assertThat(publisher.recordsSent()).isEqualTo(1 + 4 * (1 + blocks));
        assertThat(readAll(topics.layerSteps().name())).hasSize(4 * blocks);
    }
}
