package io.hebbscope.schema;

import java.util.regex.Pattern;

/** Record keys. Run ids and layer names never contain '/', so keys split back unambiguously. */
public final class Keys {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private Keys() {}

    /** Throws IllegalArgumentException with a readable message when {@code name} is not a valid id. */
    public static String requireValidName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " '" + name
                + "' must be 1-128 characters of letters, digits, '.', '_' or '-'");
        }
        return name;
    }

    public static String runStarted(String runId) {
        return runId + "/started";
    }

    public static String runFinished(String runId) {
        return runId + "/finished";
    }

    /** The checkpoints key: every part of every checkpoint of a run goes to one partition, in order. */
    public static String checkpoint(String runId) {
        return runId;
    }

    /** The layer-steps key: blocks of one layer spread over partitions. */
    public static String layerBlock(String runId, String layer, int block) {
        return runId + "/" + layer + "/" + block;
    }

    /** The key of everything derived per layer. */
    public static String layer(String runId, String layer) {
        return runId + "/" + layer;
    }
}
