package io.hebbscope.analyzer.metrics;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Prometheus' own lint, {@code promtool} (Debian's {@code prometheus} package, which .ci/run installs). On a developer
 * machine without it, HEBBSCOPE_SKIP_PROMETHEUS_TESTS=true skips the tests that need it; CI unsets that.
 */
public final class Promtool {
    public static final String SKIP_ENV = "HEBBSCOPE_SKIP_PROMETHEUS_TESTS";

    /** Exit status and everything promtool printed. */
    public record Result(int exitCode, String output) {}

    private Promtool() {}

    public static Path binary() {
        String configured = System.getProperty("hebbscope.promtool");
        if (configured != null && Files.isExecutable(Path.of(configured))) {
            return Path.of(configured);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "promtool");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String skip = System.getenv().getOrDefault(SKIP_ENV, "false");
        String what = "the metrics lint needs promtool: install Debian's package (apt-get install --no-install-recommends "
            + "prometheus; .ci/run does) or pass -Dhebbscope.promtool=/path/to/promtool";
        if (skip.equals("true") || skip.equals("1")) {
            Assumptions.abort("skipped (" + SKIP_ENV + "): " + what);
        }
        return fail("no promtool on the PATH: " + what + "; on a developer machine " + SKIP_ENV + "=true skips it");
    }

    /** {@code promtool check metrics} with {@code exposition} on its standard input. */
    public static Result checkMetrics(String exposition) throws IOException, InterruptedException {
        return run(exposition, "check", "metrics");
    }

    public static Result run(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binary().toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return fail("promtool " + String.join(" ", args) + " did not end within 5 minutes");
        }
        return new Result(p.exitValue(), out.trim());
    }
}
