package io.hebbscope.cli;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

/**
 * When the command began, for deadlines the user gives in wall-clock seconds ({@code --connect-timeout}): from the
 * JVM's start when the command runs as a process of its own, from the start of its execution when it runs inside
 * another JVM (tests).
 */
final class CommandClock {
    private static volatile long startNanos = System.nanoTime();

    private CommandClock() {}

    /** The command starts executing now (called for every execution of the command line). */
    static void executionStarts() {
        startNanos = System.nanoTime();
    }

    /** The command is the process: its clock starts with the JVM (start-up counts against a deadline too). */
    static void processStarts() {
        long sinceJvmStartMs = Math.max(0, System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime());
        startNanos = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(sinceJvmStartMs);
    }

    static long elapsedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
