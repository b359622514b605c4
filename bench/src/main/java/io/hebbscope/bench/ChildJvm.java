package io.hebbscope.bench;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A Java child process on this JVM's own classpath (the cli jar with its lib/, or the test classpath): Kafka's
 * perf tools and the analyzer that the recovery figure kills. Its output goes to a log file in the work
 * directory; logging is kept to warnings by a logback file of its own.
 */
public final class ChildJvm implements AutoCloseable {
    /** Environment variable with JVM options added to every child's command line (profiling). */
    public static final String EXTRA_OPTIONS = "HEBBSCOPE_CHILD_JAVA_OPTS";

    private final String name;
    private final Process process;
    private final Path log;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code mainClass args} in {@code workDir}, output to {@code workDir/<name>.log}. */
    public static ChildJvm start(Path workDir, String name, String mainClass, List<String> args) throws IOException {
        return start(workDir, name, mainClass, args, List.of());
    }

    /**
     * The same with {@code jvmOptions} after the usual ones (so a {@code -Xmx} there replaces the default 1 GB) and
     * before those of {@value #EXTRA_OPTIONS}.
     */
    public static ChildJvm start(Path workDir, String name, String mainClass, List<String> args, List<String> jvmOptions)
        throws IOException {
        Path logback = workDir.resolve("bench-child-logback.xml");
        if (!Files.exists(logback)) {
            Files.writeString(logback, """
                <configuration>
                  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
                    <target>System.err</target>
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="org.apache.kafka" level="ERROR"/>
                  <logger name="kafka" level="ERROR"/>
                  <logger name="state.change.logger" level="ERROR"/>
                  <root level="WARN"><appender-ref ref="STDERR"/></root>
                </configuration>
                """, StandardCharsets.UTF_8);
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-cp", classPath(), "-Xmx1g", "-XX:G1HeapRegionSize=16m",
            "-Dlogback.configurationFile=" + logback.toAbsolutePath(), "-Dorg.nd4j.log.initialization=false",
            "-Duser.language=en", "-Duser.country=US"));
        // Transparent huge pages and the compiler thresholds as this JVM has them (the hebbscope script decides, and
        // HEBBSCOPE_JAVA_OPTS may turn them off after it: copied in order, the last still wins): the same for every
        // child, hebbscope's processes and the yardsticks alike.
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (option.matches("-XX:[+-]UseTransparentHugePages") || option.startsWith("-XX:Tier4")) {
                command.add(option);
            }
        }
        command.addAll(jvmOptions); // before the user's extra options, which win
        // e.g. a flight recording of every child: -XX:StartFlightRecording=filename=/tmp/jfr/%p.jfr,settings=profile
        String extra = System.getenv(EXTRA_OPTIONS);
        if (extra != null && !extra.isBlank()) {
            command.addAll(Arrays.asList(extra.trim().split("\\s+")));
        }
        command.add(mainClass);
        command.addAll(args);
        Path log = workDir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
            .redirectOutput(log.toFile());
        pb.environment().putIfAbsent("OMP_NUM_THREADS", "1");
        return new ChildJvm(name, pb.start(), log);
    }

    /** This JVM's classpath with absolute entries (the child runs in another directory). */
    public static String classPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(Pattern.quote(File.pathSeparator)))
            .filter(e -> !e.isEmpty()).map(e -> Path.of(e).toAbsolutePath().toString())
            .collect(Collectors.joining(File.pathSeparator));
    }

    /** Runs {@code mainClass args} to its end and returns its output; fails with that output on a non-zero exit. */
    public static String run(Path workDir, String name, String mainClass, List<String> args, Duration safetyLimit)
        throws IOException, InterruptedException {
        return run(workDir, name, mainClass, args, safetyLimit, List.of());
    }

    /** The same with {@code jvmOptions} after the usual ones. */
    public static String run(Path workDir, String name, String mainClass, List<String> args, Duration safetyLimit,
                             List<String> jvmOptions) throws IOException, InterruptedException {
        try (ChildJvm child = start(workDir, name, mainClass, args, jvmOptions)) {
            if (!child.process.waitFor(safetyLimit.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + " did not end within " + safetyLimit.toSeconds() + " s; output:\n"
                    + child.outputTail());
            }
            if (child.process.exitValue() != 0) {
                throw new IllegalStateException(name + " exited with " + child.process.exitValue() + "; output:\n"
                    + child.outputTail());
            }
            return child.output();
        }
    }

    public String output() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    public String outputTail() {
        try {
            String out = output();
            return out.length() <= 4000 ? out : "..." + out.substring(out.length() - 4000);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /**
     * Waits until the output contains {@code text} and returns System.nanoTime() when it was first seen (polled every
     * 20 ms); fails with the output when the process ends first or the safety limit passes.
     */
    public long awaitOutput(String text, Duration safetyLimit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + safetyLimit.toNanos();
        while (System.nanoTime() < deadline) {
            boolean alive = process.isAlive();
            if (output().contains(text)) {
                return System.nanoTime();
            }
            if (!alive) {
                throw new IllegalStateException(name + " ended (exit " + process.exitValue() + ") before printing '" + text
                    + "'; output:\n" + outputTail());
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException(name + " did not print '" + text + "' within " + safetyLimit.toMinutes()
            + " minutes; output:\n" + outputTail());
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit status; throws IllegalThreadStateException while the process runs. */
    public int exitValue() {
        return process.exitValue();
    }

    public String name() {
        return name;
    }

    /** SIGKILL (kill -9 on Linux), then waits until the process is gone. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Stops the child if it still runs: SIGTERM first (the analyzer closes cleanly on it), SIGKILL if it lingers. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
