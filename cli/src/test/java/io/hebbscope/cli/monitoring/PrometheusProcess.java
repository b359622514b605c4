package io.hebbscope.cli.monitoring;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Prometheus (Debian's package) started by a test on a free loopback port, with a configuration made
 * from the repository's prometheus/prometheus.yml: the analyzer job's service discovery replaced by the test's
 * analyzer, intervals of one second.
 */
final class PrometheusProcess implements AutoCloseable {
    /** Set on a developer machine without Prometheus to skip (never in CI: .ci/run installs Prometheus). */
    static final String SKIP_ENV = "HEBBSCOPE_SKIP_PROMETHEUS_TESTS";
    static final String SKIP_PROPERTY = "hebbscope.skipPrometheusTests";
    static final String JOB = "hebbscope-analyzer";

    private final Process process;
    private final Path log;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    /**
     * The prometheus binary ({@code -Dhebbscope.prometheus=PATH} or the PATH). Absent, the test fails with what
     * to install, unless skipping was asked for explicitly.
     */
    static Path binary() {
        String configured = System.getProperty("hebbscope.prometheus");
        if (configured != null && Files.isExecutable(Path.of(configured))) {
            return Path.of(configured);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "prometheus");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String skip = System.getenv().getOrDefault(SKIP_ENV, System.getProperty(SKIP_PROPERTY, "false"));
        String what = "the dashboard test needs a real Prometheus: install Debian's package (apt-get install "
            + "--no-install-recommends prometheus; .ci/run does) or pass -Dhebbscope.prometheus=/path/to/prometheus";
        if (skip.equals("true") || skip.equals("1")) {
            Assumptions.abort("skipped (" + SKIP_ENV + "): " + what);
        }
        return fail("no prometheus binary on the PATH: " + what + "; on a developer machine " + SKIP_ENV
            + "=true skips it");
    }

    /** Starts Prometheus scraping the analyzer at 127.0.0.1:metricsPort every second; returns once it is ready. */
    static PrometheusProcess start(Path binary, Path dir, int metricsPort) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, MonitoringFiles.YAML.writeValueAsString(testConfig(metricsPort)));
        int port = freePort();
        Path log = dir.resolve("prometheus.log");
        Process p = new ProcessBuilder(binary.toString(), "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
            "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusProcess prometheus = new PrometheusProcess(p, log, port);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            if (!p.isAlive()) {
                fail("prometheus exited with " + p.exitValue() + ":\n" + prometheus.logTail());
            }
            try {
                HttpResponse<String> r = prometheus.http.send(HttpRequest.newBuilder(prometheus.base.resolve("/-/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return prometheus;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                prometheus.close();
                fail("prometheus not ready after 60 s:\n" + prometheus.logTail());
            }
            Thread.sleep(100);
        }
    }

    /** The repository's prometheus.yml with the analyzer job pointed at the test's analyzer. */
    static JsonNode testConfig(int metricsPort) {
        ObjectNode config = (ObjectNode) MonitoringFiles.yaml("prometheus/prometheus.yml");
        ObjectNode global = (ObjectNode) config.path("global");
        global.put("scrape_interval", "1s").put("scrape_timeout", "1s").put("evaluation_interval", "1s");
        ArrayNode jobs = (ArrayNode) config.path("scrape_configs");
        ObjectNode analyzer = null;
        for (JsonNode job : jobs) {
            if (JOB.equals(job.path("job_name").asText())) {
                analyzer = (ObjectNode) job;
            }
        }
        if (analyzer == null) {
            fail("prometheus/prometheus.yml has no job " + JOB);
        }
        analyzer.remove("dns_sd_configs");
        analyzer.putArray("static_configs").addObject().putArray("targets").add("127.0.0.1:" + metricsPort);
        jobs.removeAll();
        jobs.add(analyzer);
        return config;
    }

    /** /api/v1/query at {@code timeSeconds}: the "data" object; fails on an error status. */
    JsonNode query(String expr, double timeSeconds) {
        return api("/api/v1/query", Map.of("query", expr, "time", Double.toString(timeSeconds)));
    }

    /** /api/v1/query_range. */
    JsonNode queryRange(String expr, double start, double end, double step) {
        return api("/api/v1/query_range", Map.of("query", expr, "start", Double.toString(start), "end", Double.toString(end),
            "step", Double.toString(step)));
    }

    /** Values of {@code label} over the series matching {@code selector} (what Grafana's label_values does). */
    List<String> labelValues(String selector, String label, double start, double end) {
        Map<String, String> params = new LinkedHashMap<>();
        if (!selector.isBlank()) {
            params.put("match[]", selector);
        }
        params.put("start", Double.toString(start));
        params.put("end", Double.toString(end));
        JsonNode data = api("/api/v1/label/" + label + "/values", params);
        return java.util.stream.StreamSupport.stream(data.spliterator(), false).map(JsonNode::asText).sorted().toList();
    }

    /** Calls the HTTP API; throws PromQLException with Prometheus's error when the status is not success. */
    JsonNode api(String path, Map<String, String> params) {
        String form = params.entrySet().stream()
            .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
        try {
            // GET: Prometheus 2.42 accepts POST for queries but not for label values.
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base.resolve(path) + "?" + form))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (!r.headers().firstValue("Content-Type").orElse("").contains("json")) {
                throw new PromQLException("HTTP " + r.statusCode() + " from " + path + ": " + r.body());
            }
            JsonNode body = MonitoringFiles.JSON.readTree(r.body());
            if (!"success".equals(body.path("status").asText())) {
                throw new PromQLException(body.path("errorType").asText() + ": " + body.path("error").asText());
            }
            return body.path("data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Whether a query's result holds at least one sample that is a number (not NaN). */
    static boolean hasData(JsonNode data) {
        for (JsonNode series : data.path("result")) {
            if (series.has("value") && isNumber(series.path("value"))) {
                return true;
            }
            for (JsonNode v : series.path("values")) {
                if (isNumber(v)) {
                    return true;
                }
            }
        }
        return data.path("resultType").asText().equals("scalar") && isNumber(data.path("result"));
    }

    private static boolean isNumber(JsonNode sample) {
        String v = sample.path(1).asText();
        return !v.isEmpty() && !v.equals("NaN");
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** Prometheus rejected a query. */
    static final class PromQLException extends RuntimeException {
        PromQLException(String message) {
            super(message);
        }
    }
}
