package io.hebbscope.trainer.tasks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The paper's SCE task: CIFAR-10 classification under {@link CrossEntropyLoss}, read from the official binary
 * version in a directory: {@code data_batch_1.bin} .. {@code data_batch_5.bin} (training, in that order) and
 * {@code test_batch.bin} (validation), each a sequence of 3073-byte records: one label byte (0-9) and 3072 pixel
 * bytes (1024 red, 1024 green, 1024 blue, row-major 32 x 32). The first {@code trainSize} training records and the
 * first {@code validationSize} test records are used. Inputs are the 3072 values in file order (channel-major, as
 * PyTorch flattens CHW), scaled to [0, 1] and standardized per channel with the usual CIFAR-10 training means and
 * stds; targets are one-hot rows of 10. All six files must be present and whole (a positive multiple of 3073
 * bytes): otherwise an {@link IllegalArgumentException} names the file.
 */
public final class Cifar10Task implements Task {
    public static final int RECORD = 3073;
    public static final int PIXELS = 3072;
    public static final int CLASSES = 10;
    public static final List<String> TRAIN_FILES =
            List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    public static final String TEST_FILE = "test_batch.bin";
    private static final double[] MEAN = {0.4914, 0.4822, 0.4465};
    private static final double[] STD = {0.2470, 0.2435, 0.2616};

    private final INDArray trainX;
    private final INDArray trainY;
    private final INDArray validX;
    private final INDArray validY;
    private final Loss loss = new CrossEntropyLoss();

    @SuppressWarnings("try")
    public Cifar10Task(Path dataDir, int trainSize, int validationSize, DataType dtype) {
        if (dataDir == null) {
            throw new IllegalArgumentException("dataDir must be set for the cifar10 task");
        }
        if (!Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException("dataDir " + dataDir + " is not a directory (expected the CIFAR-10 "
                    + "binary files " + TRAIN_FILES + " and " + TEST_FILE + ")");
        }
        if (trainSize <= 0 || validationSize <= 0) {
            throw new IllegalArgumentException("training and validation sizes must be positive");
        }
        long[] trainRecords = new long[TRAIN_FILES.size()];
        long trainAvailable = 0;
        for (int i = 0; i < TRAIN_FILES.size(); i++) {
            trainRecords[i] = records(dataDir.resolve(TRAIN_FILES.get(i)));
            trainAvailable += trainRecords[i];
        }
        long testAvailable = records(dataDir.resolve(TEST_FILE));
        if (trainSize > trainAvailable) {
            throw new IllegalArgumentException("trainSize " + trainSize + " exceeds the " + trainAvailable
                    + " records of " + TRAIN_FILES.get(0) + " .. " + TRAIN_FILES.get(4) + " in " + dataDir);
        }
        if (validationSize > testAvailable) {
            throw new IllegalArgumentException("validationSize " + validationSize + " exceeds the " + testAvailable
                    + " records of " + dataDir.resolve(TEST_FILE));
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            trainX = Nd4j.createUninitialized(dtype, trainSize, PIXELS);
            trainY = Nd4j.zeros(dtype, trainSize, CLASSES);
            int row = 0;
            for (int i = 0; i < TRAIN_FILES.size() && row < trainSize; i++) {
                int n = (int) Math.min(trainRecords[i], trainSize - row);
                read(dataDir.resolve(TRAIN_FILES.get(i)), n, trainX, trainY, row);
                row += n;
            }
            validX = Nd4j.createUninitialized(dtype, validationSize, PIXELS);
            validY = Nd4j.zeros(dtype, validationSize, CLASSES);
            read(dataDir.resolve(TEST_FILE), validationSize, validX, validY, 0);
        }
    }

    /**
     * Checks that {@code dataDir} holds all six files, each whole, without reading them; returns the records per
     * file (the five training files, then the test file). Throws an {@link IllegalArgumentException} naming the
     * first missing or truncated file.
     */
    public static long[] checkFiles(Path dataDir) {
        if (dataDir == null || !Files.isDirectory(dataDir)) {
            throw new IllegalArgumentException("dataDir " + dataDir + " is not a directory (expected the CIFAR-10 "
                    + "binary files " + TRAIN_FILES + " and " + TEST_FILE + ")");
        }
        long[] counts = new long[TRAIN_FILES.size() + 1];
        for (int i = 0; i < TRAIN_FILES.size(); i++) {
            counts[i] = records(dataDir.resolve(TRAIN_FILES.get(i)));
        }
        counts[TRAIN_FILES.size()] = records(dataDir.resolve(TEST_FILE));
        return counts;
    }

    /** Records in a file, checking it exists and is whole. */
    private static long records(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("CIFAR-10 file missing: " + file);
        }
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (size == 0 || size % RECORD != 0) {
            throw new IllegalArgumentException("CIFAR-10 file truncated or not in the binary format: " + file
                    + " has " + size + " bytes, not a positive multiple of " + RECORD);
        }
        return size / RECORD;
    }

    /** Reads the first n records of {@code file} into rows offset.. of x and y. */
    private static void read(Path file, int n, INDArray x, INDArray y, int offset) {
        float[] pixels = new float[n * PIXELS];
        byte[] record = new byte[RECORD];
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
            for (int r = 0; r < n; r++) {
                if (in.readNBytes(record, 0, RECORD) != RECORD) {
                    throw new IllegalArgumentException("CIFAR-10 file truncated: " + file + " at record " + r);
                }
                int label = record[0] & 0xFF;
                if (label >= CLASSES) {
                    throw new IllegalArgumentException("CIFAR-10 file " + file + " record " + r + " has label " + label
                            + ", not 0-9");
                }
                y.putScalar(offset + r, label, 1.0);
                for (int p = 0; p < PIXELS; p++) {
                    int channel = p / 1024;
                    pixels[r * PIXELS + p] = (float) (((record[1 + p] & 0xFF) / 255.0 - MEAN[channel]) / STD[channel]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        INDArray block = Nd4j.create(pixels, new long[] {n, PIXELS}, 'c');
        x.get(NDArrayIndex.interval(offset, offset + n), NDArrayIndex.all()).assign(block);
    }

    @Override public String name() { return "cifar10"; }

    @Override public INDArray trainInputs() { return trainX; }

    @Override public INDArray trainTargets() { return trainY; }

    @Override public INDArray validationInputs() { return validX; }

    @Override public INDArray validationTargets() { return validY; }

    @Override public Loss loss() { return loss; }

    @Override public boolean hasAccuracy() { return true; }

    @Override public long correct(INDArray output, INDArray target) {
        return CrossEntropyLoss.correct(output, target);
    }
}
