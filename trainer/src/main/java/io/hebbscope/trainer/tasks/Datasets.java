package io.hebbscope.trainer.tasks;

import io.hebbscope.trainer.model.Model;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.MirroringPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Shared data helpers: seeded random inputs and chunked inference. */
public final class Datasets {
    /** Rows per chunk for whole-set inference, to bound the scratch memory of big models. */
    public static final int CHUNK = 1024;

    private static final String WORKSPACE_ID = "hebbscope-predict";
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.25)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policySpill(SpillPolicy.REALLOCATE)
            .policyMirroring(MirroringPolicy.FULL)
            .build();

    private Datasets() {}

    /** rows x cols of N(0, 1), drawn row-major from {@code seed}. */
    public static INDArray gaussian(int rows, int cols, long seed, DataType dtype) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        return Nd4j.create(v, new long[] {rows, cols}, dtype);
    }

    /** rows x cols of integers uniform in 0..bound-1 (token ids), drawn row-major from {@code seed}. */
    public static INDArray tokens(int rows, int cols, int bound, long seed, DataType dtype) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextInt(bound);
        }
        return Nd4j.create(v, new long[] {rows, cols}, dtype);
    }

    /** The evaluation-mode outputs of {@code model} for every row of x, computed {@link #CHUNK} rows at a time. */
    @SuppressWarnings("try") // the workspace scope only redirects allocations
    public static INDArray predict(Model model, INDArray x) {
        long n = x.size(0);
        if (n <= CHUNK) {
            return model.predict(x);
        }
        INDArray out = Nd4j.createUninitialized(model.dataType(), n, model.outputWidth());
        // Each chunk's scratch lives in a workspace of its own, reused chunk after chunk and freed at the end.
        for (long from = 0; from < n; from += CHUNK) {
            long to = Math.min(n, from + CHUNK);
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
                INDArray part = model.predict(x.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()));
                out.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).assign(part);
            }
        }
        Nd4j.getWorkspaceManager().destroyWorkspace(Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(WORKSPACE_ID));
        return out;
    }
}
