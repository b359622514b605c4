package io.hebbscope.trainer;

/**
 * Derives independent sub-seeds (init, teacher, data, shuffling, noise) from one run seed, so that a run
 * is reproducible from its seed alone and changing how one stream is consumed never shifts another.
 */
public final class Seeds {
    private Seeds() {}

    /** A seed for the named stream of {@code seed}: SplitMix64 finalizer over the seed mixed with the name. */
    public static long derive(long seed, String stream) {
        return mix(seed ^ mix(stream.hashCode() * 0x9E3779B97F4A7C15L));
    }

    /** A seed for element {@code index} of a stream (e.g. the shuffle of epoch {@code index}). */
    public static long derive(long seed, String stream, long index) {
        return mix(derive(seed, stream) + mix(index + 0x632BE59BD9B4E019L));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
