package io.hebbscope.trainer.publish;

import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.Keys;
import io.hebbscope.schema.LayerShape;
import io.hebbscope.schema.LayerStep;
import io.hebbscope.schema.RunFinished;
import io.hebbscope.schema.RunStarted;
import io.hebbscope.schema.StepMetrics;
import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.TopicSetup;
import io.hebbscope.schema.Topics;
import io.hebbscope.trainer.LayerInfo;
import io.hebbscope.trainer.RunInfo;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.TrainingListener;
import io.hebbscope.trainer.probe.LayerTerms;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Publishes a run as events: RunStarted, per step StepMetrics and, per monitored layer, LayerSteps split
 * into blocks of whole neuron rows; then RunFinished. Sends are asynchronous through an idempotent
 * producer with acks=all and a bounded buffer: when the buffer is full training blocks, and a failed send
 * stops training with its error instead of being dropped.
 */
public final class EventPublisher implements TrainingListener, AutoCloseable {
    private final Producer<String, byte[]> producer;
    private final Topics topics;
    private final PublishPolicy policy;
    private final EventCodec codec = EventCodec.get();
    private final AtomicReference<Exception> sendFailure = new AtomicReference<>();
    private final AtomicLong recordsSent = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final Map<String, Long> previousStep = new HashMap<>();
    private RunInfo run;

    public EventPublisher(Properties clientProps, Topics topics, PublishPolicy policy) {
        this(new KafkaProducer<>(producerProps(clientProps), new StringSerializer(), new ByteArraySerializer()), topics, policy);
    }

    EventPublisher(Producer<String, byte[]> producer, Topics topics, PublishPolicy policy) {
        this.producer = producer;
        this.topics = topics;
        this.policy = policy;
    }

    static Properties producerProps(Properties clientProps) {
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
        this.run = run;
        List<LayerShape> shapes = new ArrayList<>();
        for (LayerInfo layer : run.layers()) {
            Keys.requireValidName("layer", layer.name());
            int per = policy.rowsPerBlock(layer.rows(), layer.cols());
            shapes.add(new LayerShape(layer.name(), layer.index(), layer.rows(), layer.cols(), per,
                (layer.rows() + per - 1) / per));
        }
        RunStarted started = RunStarted.newBuilder()
            .setRunId(Keys.requireValidName("run id", run.runId())).setStartedAtMs(System.currentTimeMillis())
            .setTask(run.task()).setModel(run.model()).setRule(run.rule()).setSeed(run.seed())
            .setConfig(new HashMap<>(run.config())).setLayers(shapes)
            .setStepsPerEpoch(run.stepsPerEpoch()).setTotalSteps(run.totalSteps())
            .setPublishEvery(policy.every()).setSnapshotEvery(policy.snapshotEvery()).setDtype(policy.dtype())
            .build();
        send(topics.runs().name(), Keys.runStarted(run.runId()), codec.encode(started));
    }

    @Override
    public boolean wantsTerms(long step) {
        return policy.publishes(step);
    }

    @Override
    public void onStep(StepRecord step) {
        checkFailure();
        long now = System.currentTimeMillis();
        StepMetrics metrics = StepMetrics.newBuilder().setRunId(run.runId()).setStep(step.step()).setEpoch(step.epoch())
            .setTrainLoss(step.trainLoss()).setValidationLoss(step.validationLoss()).setLearningRate(step.learningRate())
            .setValidationAccuracy(step.validationAccuracy())
            .setTimestampMs(now).setWeightNorms(Arrays.stream(step.weightNorms()).boxed().toList()).build();
        send(topics.trainMetrics().name(), run.runId(), codec.encode(metrics));
        for (LayerTerms terms : step.layers()) {
            publishLayer(step, terms, now);
        }
    }

    private void publishLayer(StepRecord step, LayerTerms terms, long now) {
        LayerInfo layer = terms.layer();
        int rows = layer.rows();
        int cols = layer.cols();
        float[] gradient = flat(terms.gradient());
        float[] signal = terms.signal() == null ? null : flat(terms.signal());
        float[] hebbian = flat(terms.hebbian());
        float[] update = flat(terms.update());
        float[] weights = policy.snapshots(step.step()) ? flat(terms.weights()) : null;
        float[] squareMean = terms.outputSquareMean() == null ? null : flat(terms.outputSquareMean());
        int per = policy.rowsPerBlock(rows, cols);
        int blocks = (rows + per - 1) / per;
        long previous = previousStep.getOrDefault(layer.name(), -1L);
        double[] norms = step.weightNorms();
        double weightNorm = norms != null && layer.index() < norms.length ? norms[layer.index()] : -1.0;
        for (int b = 0; b < blocks; b++) {
            int from = b * per;
            int n = Math.min(rows, from + per) - from;
            LayerStep event = LayerStep.newBuilder()
                .setRunId(run.runId()).setLayer(layer.name()).setLayerIndex(layer.index()).setStep(step.step())
                .setPreviousStep(previous).setEpoch(step.epoch()).setBlockIndex(b).setBlockCount(blocks)
                .setRowOffset(from).setLayerRows(rows).setLayerCols(cols)
                .setGradient(block(gradient, from, n, cols)).setSignal(signal == null ? null : block(signal, from, n, cols))
                .setHebbian(block(hebbian, from, n, cols)).setUpdate(block(update, from, n, cols))
                .setWeights(weights == null ? null : block(weights, from, n, cols))
                .setOutputSquareMean(squareMean == null ? null : block(squareMean, from, n, 1))
                .setTimestampMs(now).setWeightNorm(weightNorm).build();
            send(topics.layerSteps().name(), Keys.layerBlock(run.runId(), layer.name(), b), codec.encode(event));
        }
        previousStep.put(layer.name(), step.step());
    }

    private Tensor block(float[] values, int fromRow, int rows, int cols) {
        return TensorCodec.encode(values, fromRow * cols, rows, cols, policy.dtype());
    }

    /** Row-major float copy; works for views and arrays in a workspace. */
    static float[] flat(INDArray a) {
        INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        return Nd4j.toFlattened('c', f).toFloatVector();
    }

    @Override
    public void onRunEnd(RunSummary summary) {
        RunFinished finished = new RunFinished(summary.runId(), System.currentTimeMillis(), summary.steps(),
            summary.status(), summary.finalTrainLoss(), summary.finalValidationLoss());
        send(topics.runs().name(), Keys.runFinished(summary.runId()), codec.encode(finished));
        producer.flush();
        checkFailure();
    }

    private void send(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value), (meta, e) -> {
            if (e != null) {
                sendFailure.compareAndSet(null, e);
            } else {
                recordsSent.incrementAndGet();
                bytesSent.addAndGet(value.length);
            }
        });
    }

    private void checkFailure() {
        Exception e = sendFailure.get();
        if (e != null) {
            throw new IllegalStateException("publishing to Kafka failed, training stops rather than drop events: " + e, e);
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

    @Override
    public void close() {
        producer.close();
    }
}
