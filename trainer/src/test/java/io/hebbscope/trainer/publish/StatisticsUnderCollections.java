package io.hebbscope.trainer.publish;

import io.hebbscope.schema.DType;
import io.hebbscope.schema.EventCodec;
import io.hebbscope.schema.LayerStats;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.Topics;
import io.hebbscope.schema.UpdateSketch;
import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.StepRecord;
import io.hebbscope.trainer.Trainer;
import io.hebbscope.trainer.TrainerConfig;
import io.hebbscope.trainer.TrainingListener;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Trains a float64 MLP with statistics on every step and checks every LayerStats' update sketch against the one
 * computed from the step's update copied to a Java array, while the sink allocates as a producer does, so that
 * collections run while the encoder reads native memory; a child JVM of StepEncoderReachabilityTest. Prints the
 * counts of sketches, wrong sketches and encodings that threw.
 */
public final class StatisticsUnderCollections {
    private static volatile Object sink;

    private StatisticsUnderCollections() {}

    public static void main(String[] args) {
        int epochs = Integer.parseInt(args[0]);
        TrainerConfig config = TrainerConfig.builder().runId("collections").dtype(DataType.DOUBLE)
            .widths(16, 512, 512, 8).trainSize(512).validationSize(64).batchSize(64).epochs(epochs).seed(3).build();
        PublishPolicy policy = new PublishPolicy(0, 1000, DType.FLOAT32, 4096, 1);
        StepEncoder encoder = new StepEncoder(config.runId(), new Topics("collections"), policy);
        StepCopy copy = new StepCopy();
        EventCodec codec = EventCodec.get();
        long[] counts = new long[3]; // sketches checked, wrong, encodings that threw
        RunSummary summary = new Trainer(config).run(new TrainingListener() {
            @Override
            public boolean wantsTerms(long step) {
                return true;
            }

            @Override
            public void onStep(StepRecord step) {
                List<float[]> updates = new ArrayList<>();
                step.layers().forEach(t -> updates.add(rowMajor(t.update().toFloatMatrix())));
                copy.fill(step, 1000 + step.step(), false, false, true);
                // on another thread, outside the step's workspace, as the EventPublisher's thread encodes
                Thread publisher = new Thread(() -> encoder.encode(copy, (topic, key, value) -> {
                    for (int i = 0; i < 200; i++) {
                        sink = new byte[4096];
                    }
                    SpecificRecord r = codec.decodeAny(value);
                    if (r instanceof LayerStats s) {
                        int rows = (int) (TensorCodec.decodeDoubles(s.getSums()).length / 7);
                        int cols = s.getLayerCols();
                        int from = s.getRowOffset();
                        double[] expected = UpdateSketch.byHistogram(FloatBuffer.wrap(updates.get(s.getLayerIndex())),
                            from * cols, from, rows, cols);
                        counts[0]++;
                        if (!Arrays.equals(TensorCodec.decodeDoubles(s.getUpdateSketch()), expected)) {
                            counts[1]++;
                        }
                    }
                }), "publisher");
                publisher.setUncaughtExceptionHandler((t, e) -> {
                    counts[2]++;
                    e.printStackTrace();
                });
                publisher.start();
                try {
                    publisher.join();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        System.out.println(summary.status() + ": " + counts[0] + " sketches, " + counts[1] + " wrong, " + counts[2]
            + " encodings failed");
    }

    private static float[] rowMajor(float[][] matrix) {
        int cols = matrix[0].length;
        float[] out = new float[matrix.length * cols];
        for (int r = 0; r < matrix.length; r++) {
            System.arraycopy(matrix[r], 0, out, r * cols, cols);
        }
        return out;
    }
}
