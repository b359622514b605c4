package io.hebbscope.trainer.publish;

import io.hebbscope.schema.DType;
import io.hebbscope.schema.RngState;
import io.hebbscope.schema.TensorCodec;
import io.hebbscope.schema.TensorSlice;
import io.hebbscope.schema.TrainerCheckpoint;
import io.hebbscope.trainer.Checkpoint;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link Checkpoint} as TrainerCheckpoint records and back. The arrays travel in the trainer's own precision
 * (FLOAT32 or FLOAT64, so a restore is bit for bit), each viewed as a matrix of {@code shape[0]} rows and cut into
 * slices of whole rows, packed in order into parts of at most about {@code maxPartBytes} of tensor bytes each; the
 * numbers and random streams ride in part 0.
 */
public final class CheckpointCodec {
    /** Tensor bytes per part: half the topic's message limit leaves room for the record around them. */
    public static final int DEFAULT_PART_BYTES = io.hebbscope.schema.TopicSetup.MAX_MESSAGE_BYTES / 2;

    private CheckpointCodec() {}

    /** The records of {@code checkpoint}, part 0 first. */
    public static List<TrainerCheckpoint> encode(Checkpoint checkpoint, long timestampMs, int maxPartBytes) {
        if (maxPartBytes < 1) {
            throw new IllegalArgumentException("max part bytes must be >= 1, got " + maxPartBytes);
        }
        List<List<TensorSlice>> parameters = new ArrayList<>();
        List<List<TensorSlice>> optimizer = new ArrayList<>();
        long[] used = {0};
        parameters.add(new ArrayList<>());
        optimizer.add(new ArrayList<>());
        slice(checkpoint.parameters(), parameters, optimizer, true, used, maxPartBytes);
        slice(checkpoint.optimizer(), parameters, optimizer, false, used, maxPartBytes);
        int parts = parameters.size();
        Map<String, Double> scalars = new HashMap<>(checkpoint.scalars());
        List<RngState> rngs = new ArrayList<>();
        checkpoint.rngStates().forEach((name, s) -> rngs.add(new RngState(name, s.rootState(), s.nodeState())));
        List<TrainerCheckpoint> out = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            out.add(TrainerCheckpoint.newBuilder().setRunId(checkpoint.runId()).setStep(checkpoint.step())
                .setNextEpoch(checkpoint.nextEpoch()).setNextBatch(checkpoint.nextBatch()).setPart(p).setParts(parts)
                .setTimestampMs(timestampMs).setParameters(parameters.get(p)).setOptimizer(optimizer.get(p))
                .setScalars(p == 0 ? scalars : new HashMap<>()).setRngStates(p == 0 ? rngs : new ArrayList<>()).build());
        }
        return out;
    }

    /**
     * Appends the arrays' slices to the current (last) part, opening a new part whenever the next slice would take the
     * current one beyond {@code maxPartBytes}; a single row larger than that gets a part of its own.
     */
    private static void slice(Map<String, INDArray> arrays, List<List<TensorSlice>> parameters,
                              List<List<TensorSlice>> optimizer, boolean isParameter, long[] used, int maxPartBytes) {
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            INDArray a = e.getValue();
            DType dtype = dtypeOf(a, e.getKey());
            long[] shape = a.shape();
            int rows = rowsOf(shape);
            long length = a.length();
            int cols = rows == 0 ? 0 : Math.toIntExact(length / rows);
            long rowBytes = (long) cols * TensorCodec.bytesPerValue(dtype);
            List<Long> shapeList = new ArrayList<>();
            for (long d : shape) {
                shapeList.add(d);
            }
            INDArray rowMajor = a.dup('c');
            float[] floats = dtype == DType.FLOAT32 ? rowMajor.data().asFloat() : null;
            double[] doubles = dtype == DType.FLOAT64 ? rowMajor.data().asDouble() : null;
            Reference.reachabilityFence(rowMajor); // asFloat reads through a pointer that does not keep the copy alive
            int row = 0;
            do {
                long room = maxPartBytes - used[0];
                int fit = rowBytes == 0 ? rows - row : (int) Math.min(rows - row, Math.max(0, room / rowBytes));
                if (fit == 0 && used[0] > 0) {
                    parameters.add(new ArrayList<>());
                    optimizer.add(new ArrayList<>());
                    used[0] = 0;
                    continue;
                }
                int n = Math.max(fit, Math.min(1, rows - row)); // at least one row in an empty part
                io.hebbscope.schema.Tensor t = floats != null
                    ? TensorCodec.encode(floats, row * cols, n, cols, DType.FLOAT32)
                    : TensorCodec.encodeDoubles(Arrays.copyOfRange(doubles, row * cols, (row + n) * cols), n, cols);
                TensorSlice s = new TensorSlice(e.getKey(), shapeList, row, t);
                (isParameter ? parameters : optimizer).get(parameters.size() - 1).add(s);
                used[0] += n * rowBytes;
                row += n;
            } while (row < rows);
        }
    }

    /** Rows of an array viewed as a matrix: shape[0] (a vector's length; 1 for a scalar). */
    private static int rowsOf(long[] shape) {
        return shape.length == 0 ? 1 : Math.toIntExact(shape[0]);
    }

    private static DType dtypeOf(INDArray a, String name) {
        if (a.dataType() == DataType.FLOAT) {
            return DType.FLOAT32;
        }
        if (a.dataType() == DataType.DOUBLE) {
            return DType.FLOAT64;
        }
        throw new IllegalArgumentException("checkpoint array '" + name + "' is " + a.dataType() + ", not FLOAT or DOUBLE");
    }

    /**
     * The checkpoint the parts of one (run, step) make; an {@link IllegalArgumentException} saying what is wrong when
     * they are not exactly parts 0..n-1 of one checkpoint, or an array's slices do not cover it.
     */
    @SuppressWarnings("try") // the scope only redirects allocations
    public static Checkpoint decode(List<TrainerCheckpoint> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no checkpoint parts");
        }
        List<TrainerCheckpoint> sorted = new ArrayList<>(parts);
        sorted.sort(java.util.Comparator.comparingInt(TrainerCheckpoint::getPart));
        TrainerCheckpoint first = sorted.get(0);
        int n = first.getParts();
        if (sorted.size() != n) {
            throw new IllegalArgumentException("checkpoint of run " + first.getRunId() + " at step " + first.getStep()
                + " has " + sorted.size() + " of its " + n + " parts");
        }
        for (int i = 0; i < n; i++) {
            TrainerCheckpoint p = sorted.get(i);
            if (p.getPart() != i || p.getParts() != n || p.getStep() != first.getStep()
                || !p.getRunId().equals(first.getRunId()) || p.getNextEpoch() != first.getNextEpoch()
                || p.getNextBatch() != first.getNextBatch()) {
                throw new IllegalArgumentException("checkpoint parts disagree: part " + p.getPart() + "/" + p.getParts()
                    + " of run " + p.getRunId() + " step " + p.getStep() + " beside part 0/" + n + " of run "
                    + first.getRunId() + " step " + first.getStep());
            }
        }
        Checkpoint c = new Checkpoint(first.getRunId(), first.getStep(), first.getNextEpoch(), first.getNextBatch());
        Map<String, Assembly> params = new LinkedHashMap<>();
        Map<String, Assembly> opt = new LinkedHashMap<>();
        for (TrainerCheckpoint p : sorted) {
            p.getParameters().forEach(s -> add(params, s));
            p.getOptimizer().forEach(s -> add(opt, s));
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            params.forEach((name, a) -> c.putParameter(name, a.array(name)));
            opt.forEach((name, a) -> c.putOptimizer(name, a.array(name)));
        }
        first.getScalars().forEach(c::putScalar);
        first.getRngStates().forEach(r -> c.putRng(r.getName(), new Checkpoint.RngState(r.getRootState(), r.getNodeState())));
        return c;
    }

    private static void add(Map<String, Assembly> into, TensorSlice s) {
        into.computeIfAbsent(s.getName(), k -> new Assembly(s.getShape().stream().mapToLong(Long::longValue).toArray(),
            s.getTensor().getDtype())).add(s);
    }

    /** The slices of one array, checked to cover its rows exactly once, in order. */
    private static final class Assembly {
        final long[] shape;
        final DType dtype;
        final int rows;
        final int cols;
        final double[] doubles;
        final float[] floats;
        int nextRow;

        Assembly(long[] shape, DType dtype) {
            this.shape = shape;
            this.dtype = dtype;
            this.rows = rowsOf(shape);
            long length = 1;
            for (long d : shape) {
                length *= d;
            }
            this.cols = rows == 0 ? 0 : Math.toIntExact(length / rows);
            if (dtype == DType.FLOAT32) {
                floats = new float[Math.toIntExact(length)];
                doubles = null;
            } else if (dtype == DType.FLOAT64) {
                doubles = new double[Math.toIntExact(length)];
                floats = null;
            } else {
                throw new IllegalArgumentException("checkpoint tensors are FLOAT32 or FLOAT64, not " + dtype);
            }
        }

        void add(TensorSlice s) {
            io.hebbscope.schema.Tensor t = s.getTensor();
            if (s.getRowOffset() != nextRow || t.getDtype() != dtype || t.getCols() != cols
                || nextRow + t.getRows() > rows || !Arrays.equals(shape, s.getShape().stream().mapToLong(Long::longValue).toArray())) {
                throw new IllegalArgumentException("checkpoint slice of '" + s.getName() + "' at row " + s.getRowOffset()
                    + " (" + t.getRows() + "x" + t.getCols() + " " + t.getDtype() + ") does not continue the "
                    + Arrays.toString(shape) + " " + dtype + " array at row " + nextRow);
            }
            if (floats != null) {
                float[] v = TensorCodec.decodeFloats(t);
                System.arraycopy(v, 0, floats, nextRow * cols, v.length);
            } else {
                double[] v = TensorCodec.decodeDoubles(t);
                System.arraycopy(v, 0, doubles, nextRow * cols, v.length);
            }
            nextRow += t.getRows();
        }

        INDArray array(String name) {
            if (nextRow != rows) {
                throw new IllegalArgumentException("checkpoint array '" + name + "' has " + nextRow + " of its " + rows
                    + " rows");
            }
            return floats != null ? Nd4j.create(floats, shape, 'c') : Nd4j.create(doubles, shape, DataType.DOUBLE);
        }
    }
}
