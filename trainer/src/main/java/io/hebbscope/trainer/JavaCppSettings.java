package io.hebbscope.trainer;

import java.util.Locale;

/**
 * JavaCPP settings for the processes that run ND4J, applied before ND4J loads (JavaCPP reads them once).
 *
 * <p>With {@code org.bytedeco.javacpp.maxPhysicalBytes} above 0 (JavaCPP 1.5.7's default: maxBytes plus three times
 * the maximum heap), every native allocation reads the process's resident size from {@code /proc/self/statm} under
 * a global lock. ND4J allocates a native shape descriptor for every op, and the small MLP's step is hundreds of
 * small ops: that read was a fifth of the training thread's time, and the publisher thread's ops waited on the same
 * lock (docs/performance.md). At 0 JavaCPP skips it. Its other limit, {@code maxBytes}, counts only JavaCPP's own
 * buffers (shape descriptors), not ND4J's array data (allocated by libnd4j, freed by ND4J's deallocator when the
 * arrays are collected): with the check off nothing forces a collection when native memory held by old arrays
 * grows. The loose default (four times the heap) rarely did, and most of a step's arrays live in the trainer's step
 * workspace, which is reused, not collected: resident sizes over runs of 80-150 s were the same with the check on
 * and off (docs/performance.md; runs of hours not measured).
 */
public final class JavaCppSettings {
    public static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxPhysicalBytes";

    private JavaCppSettings() {}

    /** Sets what the user has not set ({@code -D...} on the command line wins, in either spelling JavaCPP reads). */
    public static void apply() {
        if (System.getProperty(MAX_PHYSICAL_BYTES) == null
                && System.getProperty(MAX_PHYSICAL_BYTES.toLowerCase(Locale.ROOT)) == null) {
            System.setProperty(MAX_PHYSICAL_BYTES, "0");
        }
    }
}
