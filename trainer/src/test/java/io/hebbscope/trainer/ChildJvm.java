package io.hebbscope.trainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs a main class of the test class path in a JVM of its own, for what must not share the test's JVM. */
public final class ChildJvm {
    /** What the child printed (stdout and stderr), then any crash report it wrote; and its exit code. */
    public record Result(int exitCode, String output) {}

    private ChildJvm() {}

    /**
     * Runs {@code main} with {@code jvmOptions} and {@code args} in {@code dir} (its working directory, where a crash
     * report goes), {@code environment} added to this JVM's.
     */
    public static Result run(Path dir, List<String> jvmOptions, Map<String, String> environment, Class<?> main,
                             String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dorg.nd4j.log.initialization=false", "-XX:-CreateCoredumpOnCrash",
            "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log")));
        command.addAll(jvmOptions);
        command.add(main.getName());
        command.addAll(List.of(args));
        Path output = dir.resolve("child.out");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(output.toFile());
        // the test's class path, ND4J's jars included, through the environment: no command-line length limit
        builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        builder.environment().putAll(environment);
        Process p = builder.start();
        // ND4J's first load takes seconds, more on a busy machine; the bound only stops a hung child
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("the child JVM did not finish within 10 minutes: " + command + "\n"
                + Files.readString(output, StandardCharsets.UTF_8));
        }
        StringBuilder out = new StringBuilder(Files.readString(output, StandardCharsets.UTF_8));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path report : files.filter(f -> f.getFileName().toString().startsWith("hs_err_")).toList()) {
                out.append("\n--- ").append(report.getFileName()).append(" ---\n")
                    .append(Files.readString(report, StandardCharsets.UTF_8).lines().limit(60)
                        .reduce((a, b) -> a + "\n" + b).orElse(""));
            }
        }
        return new Result(p.exitValue(), out.toString());
    }
}
