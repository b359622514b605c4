package io.hebbscope.analyzer.topology;

import io.hebbscope.schema.LayerStep;
import java.util.HashMap;
import java.util.Map;

/**
 * Buffers one stage-1 processor reuses from record to record (a processor runs on one stream thread): the decoded
 * LayerStep with its tensors' byte buffers, and the float arrays the tensors are decoded into. Allocating them
 * afresh for every record of ~100 KB was a fifth of the stream thread's time and most of its garbage.
 */
final class DecodeBuffers {
    static final int GRADIENT = 0;
    static final int SIGNAL = 1;
    static final int HEBBIAN = 2;
    static final int UPDATE = 3;
    static final int WEIGHTS = 4;
    private static final int SLOTS = 5;
    /**
     * Floats kept per processor (4 MiB): the blocks of small layers keep their arrays; past that the kept arrays are
     * dropped and larger blocks are decoded into fresh ones, as before, so a task never holds more than this.
     */
    private static final long MAX_FLOATS = 1 << 20;

    private final Map<Integer, float[][]> bySize = new HashMap<>();
    private long keptFloats;
    LayerStep step;

    /** The float array of {@code slot} with exactly {@code length} values; its contents are left from earlier use. */
    float[] floats(int slot, int length) {
        if (length > MAX_FLOATS) {
            return new float[length];
        }
        float[][] slots = bySize.computeIfAbsent(length, n -> new float[SLOTS][]);
        if (slots[slot] == null) {
            if (keptFloats + length > MAX_FLOATS) {
                bySize.clear();
                keptFloats = 0;
                slots = new float[SLOTS][];
                bySize.put(length, slots);
            }
            slots[slot] = new float[length];
            keptFloats += length;
        }
        return slots[slot];
    }
}
