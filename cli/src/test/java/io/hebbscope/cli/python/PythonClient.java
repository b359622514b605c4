package io.hebbscope.cli.python;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The PyTorch client as the build installed it (clients/python/target/python), run by the interpreter of
 * {@code -Dhebbscope.python} (default /usr/bin/python3, which sees Debian's python3-torch). On a developer
 * machine without torch, {@code HEBBSCOPE_SKIP_PYTHON_TESTS=true} skips the tests that use it (.ci/run unsets it).
 */
final class PythonClient {
    static final String SKIP_ENV = "HEBBSCOPE_SKIP_PYTHON_TESTS";
    /** The module's directory, from cli/ where surefire runs. */
    static final Path HOME = Path.of("..", "clients", "python").toAbsolutePath().normalize();
    static final Path INSTALL = HOME.resolve("target").resolve("python");

    private PythonClient() {}

    /** Aborts the test when skipping was asked for; fails with what to do when the package is not built. */
    static void assumeAvailable() {
        String skip = System.getenv().getOrDefault(SKIP_ENV, "false");
        if (skip.equals("true") || skip.equals("1")) {
            Assumptions.abort("skipped (" + SKIP_ENV + "=" + skip + "): the PyTorch client's tests need torch");
        }
        if (!Files.isDirectory(INSTALL.resolve("hebbscope"))) {
            fail("the PyTorch client is not installed in " + INSTALL + ": build it with the reactor "
                + "(mvn -o -B verify, or -pl cli -am)");
        }
    }

    static String interpreter() {
        return System.getProperty("hebbscope.python", "/usr/bin/python3");
    }

    /** A file of the client's source tree (examples, test helpers). */
    static Path file(String relative) {
        return HOME.resolve(relative);
    }

    /**
     * Runs {@code python args...} with the installed client on PYTHONPATH, waits up to {@code timeout} and returns
     * its output (stdout and stderr); fails with the output when it exits non-zero or runs out of time.
     */
    static String run(Duration timeout, Path workDir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(interpreter());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        Path log = Files.createTempFile(workDir, "python-", ".log");
        pb.redirectOutput(log.toFile());
        pb.environment().put("PYTHONPATH", INSTALL.toString());
        pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!done) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        if (!done) {
            fail("python " + String.join(" ", args) + " ran past " + timeout + ":\n" + output);
        }
        if (p.exitValue() != 0) {
            fail("python " + String.join(" ", args) + " exited " + p.exitValue() + ":\n" + output);
        }
        return output;
    }
}
