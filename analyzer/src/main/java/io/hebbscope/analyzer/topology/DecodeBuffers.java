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
    /** Layer sizes remembered; a model with more distinct block sizes starts over (rare, and only costs allocation). */
    private static final int MAX_SIZES = 32;

    private final Map<Integer, float[][]> bySize = new HashMap<>();
    LayerStep step;

    /** The float array of {@code slot} with exactly {@code length} values; its contents are left from earlier use. */
    float[] floats(int slot, int length) {
        float[][] slots = bySize.get(length);
        if (slots == null) {
            if (bySize.size() >= MAX_SIZES) {
                bySize.clear();
            }
            slots = new float[SLOTS][];
            bySize.put(length, slots);
        }
        if (slots[slot] == null) {
            slots[slot] = new float[length];
        }
        return slots[slot];
    }
}
