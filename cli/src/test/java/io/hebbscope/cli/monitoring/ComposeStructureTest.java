package io.hebbscope.cli.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.hebbscope.cli.Hebbscope;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docker-compose.yml, prometheus.yml and the Dockerfiles are right by construction: no Docker engine runs here,
 * so the stack's structure, the commands it runs and the files it mounts are checked instead.
 */
class ComposeStructureTest {
    private final JsonNode compose = MonitoringFiles.yaml("docker-compose.yml");
    private final JsonNode services = compose.path("services");

    @Test
    void kafkaIsTheOfficialImageInKraftModeAtTheVersionOfTheBuild() {
        JsonNode kafka = services.path("kafka");
        String pomVersion = property(MonitoringFiles.text("pom.xml"), "kafka.version");
        assertThat(kafka.path("image").asText()).isEqualTo("apache/kafka:" + pomVersion);
        JsonNode env = kafka.path("environment");
        assertThat(env.path("KAFKA_PROCESS_ROLES").asText().split(",")).containsExactlyInAnyOrder("broker", "controller");
        assertThat(env.path("KAFKA_CONTROLLER_QUORUM_VOTERS").asText()).isEqualTo("1@kafka:9093");
        assertThat(env.path("KAFKA_NODE_ID").asInt()).isEqualTo(1);
        assertThat(env.path("KAFKA_ADVERTISED_LISTENERS").asText()).contains("PLAINTEXT://kafka:9092");
        assertThat(env.path("KAFKA_LISTENERS").asText()).contains("CONTROLLER://:9093", "PLAINTEXT://:9092");
        assertThat(env.path("KAFKA_CONTROLLER_LISTENER_NAMES").asText()).isEqualTo("CONTROLLER");
        assertThat(env.path("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR").asInt()).isEqualTo(1);
        assertThat(env.path("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR").asInt()).isEqualTo(1);
        assertThat(env.path("KAFKA_MESSAGE_MAX_BYTES").asInt()).isEqualTo(io.hebbscope.schema.TopicSetup.MAX_MESSAGE_BYTES);
        // Kafka formats its storage with this id: a base64url UUID of 16 bytes.
        assertThat(Base64.getUrlDecoder().decode(env.path("CLUSTER_ID").asText())).hasSize(16);
        assertThat(env.has("KAFKA_ZOOKEEPER_CONNECT")).isFalse();
        assertThat(kafka.path("healthcheck").path("test").toString()).contains("kafka-broker-api-versions.sh");
        assertThat(kafka.path("volumes")).extracting(JsonNode::asText).contains("kafka-data:" + env.path("KAFKA_LOG_DIRS").asText());
    }

    @Test
    void theAnalyzerServesTheMetricsPrometheusScrapes() {
        JsonNode analyzer = services.path("analyzer");
        assertThat(analyzer.path("build").path("dockerfile").asText()).isEqualTo("docker/Dockerfile");
        List<String> command = strings(analyzer.path("command"));
        assertThat(command.get(0)).isEqualTo("analyze");
        parses(command);
        assertThat(option(command, "--bootstrap-servers")).isEqualTo("kafka:9092");
        assertThat(option(command, "--metrics-host")).isEqualTo("0.0.0.0");
        String port = option(command, "--metrics-port");
        assertThat(analyzer.path("expose")).extracting(JsonNode::asText).contains(port);

        JsonNode prometheus = MonitoringFiles.yaml("prometheus/prometheus.yml");
        JsonNode job = prometheus.path("scrape_configs").get(0);
        assertThat(job.path("job_name").asText()).isEqualTo("hebbscope-analyzer");
        JsonNode sd = job.path("dns_sd_configs").get(0);
        assertThat(sd.path("names")).extracting(JsonNode::asText).containsExactly("analyzer");
        assertThat(sd.path("port").asText()).isEqualTo(port);
        assertThat(seconds(prometheus.path("global").path("scrape_timeout").asText()))
            .isLessThanOrEqualTo(seconds(prometheus.path("global").path("scrape_interval").asText()));

        JsonNode prom = services.path("prometheus");
        assertThat(prom.path("image").asText()).startsWith("prom/prometheus:v2.");
        assertThat(prom.path("ports")).extracting(JsonNode::asText).contains("9090:9090");
        assertThat(prom.path("volumes")).extracting(JsonNode::asText).contains("./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
        assertThat(strings(prom.path("command"))).contains("--config.file=/etc/prometheus/prometheus.yml");
        assertThat(services.path("grafana").path("image").asText()).startsWith("grafana/grafana:");
        assertThat(services.path("grafana").path("ports")).extracting(JsonNode::asText).contains("3000:3000");
    }

    @Test
    void theDefaultTrainersReserveAnNvidiaGpuAndRunTheCudaBuildTheCpuVariantDoesNot() {
        String defaultProfile = property(MonitoringFiles.text(".env"), "COMPOSE_PROFILES");
        assertThat(defaultProfile).isEqualTo("gpu");
        List<String> gpu = new ArrayList<>();
        List<String> cpu = new ArrayList<>();
        services.fields().forEachRemaining(e -> {
            List<String> profiles = strings(e.getValue().path("profiles"));
            if (profiles.contains("gpu")) {
                gpu.add(e.getKey());
            } else if (profiles.contains("cpu")) {
                cpu.add(e.getKey());
            }
        });
        assertThat(gpu).isNotEmpty();
        assertThat(cpu).isNotEmpty();
        for (String name : gpu) {
            JsonNode trainer = services.path(name);
            assertThat(trainer.path("build").path("dockerfile").asText()).as(name).isEqualTo("docker/Dockerfile.cuda");
            JsonNode devices = trainer.path("deploy").path("resources").path("reservations").path("devices");
            assertThat(devices).as(name).isNotEmpty();
            assertThat(devices.get(0).path("driver").asText()).isEqualTo("nvidia");
            assertThat(strings(devices.get(0).path("capabilities"))).contains("gpu");
            assertThat(devices.get(0).path("count").asInt()).isPositive();
            checkTrainer(name, trainer);
        }
        for (String name : cpu) {
            JsonNode trainer = services.path(name);
            assertThat(trainer.path("build").path("dockerfile").asText()).as(name).isEqualTo("docker/Dockerfile");
            assertThat(trainer.path("deploy").isMissingNode()).as(name + " reserves no GPU").isTrue();
            checkTrainer(name, trainer);
        }
        // The two runs of the GPU sweep differ, so their run ids (rule, γ, seed, time) and sweep points do.
        assertThat(gpu.stream().map(n -> strings(services.path(n).path("command"))).distinct()).hasSize(gpu.size());

        String cuda = MonitoringFiles.text("docker/Dockerfile.cuda");
        assertThat(cuda).containsPattern("(?m)^FROM nvidia/cuda:11\\.6[.\\d]*-\\S*runtime\\S*$").contains("-Pcuda");
        for (String dockerfile : List.of("docker/Dockerfile", "docker/Dockerfile.cuda")) {
            String text = MonitoringFiles.text(dockerfile);
            assertThat(text).as(dockerfile).containsPattern("(?m)^FROM maven:\\S+ AS build$")
                .contains("-DskipTests -pl cli -am package").contains("COPY --from=build /src/cli/target/hebbscope.jar")
                .contains("COPY --from=build /src/cli/target/lib");
            assertThat(Pattern.compile("(?m)^FROM ").matcher(text).results().count()).as(dockerfile).isEqualTo(2);
        }
        assertThat(MonitoringFiles.text(".dockerignore")).contains("**/target");
    }

    @Test
    void everyMountDependencyAndBuildContextExists() {
        List<String> declared = new ArrayList<>();
        compose.path("volumes").fieldNames().forEachRemaining(declared::add);
        services.fields().forEachRemaining(e -> {
            String name = e.getKey();
            JsonNode s = e.getValue();
            assertThat(s.has("image") || s.has("build")).as(name).isTrue();
            if (s.has("build")) {
                assertThat(Files.isRegularFile(MonitoringFiles.root().resolve(s.path("build").path("context").asText())
                    .resolve(s.path("build").path("dockerfile").asText()))).as(name + " Dockerfile").isTrue();
            }
            for (JsonNode v : s.path("volumes")) {
                String source = v.asText().split(":")[0];
                if (source.startsWith(".") || source.startsWith("/")) {
                    assertThat(Files.exists(MonitoringFiles.root().resolve(source))).as(name + " mounts " + source).isTrue();
                } else {
                    assertThat(declared).as(name + " volume " + source).contains(source);
                }
            }
            JsonNode depends = s.path("depends_on");
            List<String> deps = new ArrayList<>();
            if (depends.isArray()) {
                depends.forEach(d -> deps.add(d.asText()));
            } else {
                depends.fieldNames().forEachRemaining(deps::add);
                depends.fields().forEachRemaining(d -> {
                    if ("service_healthy".equals(d.getValue().path("condition").asText())) {
                        assertThat(services.path(d.getKey()).has("healthcheck")).as(d.getKey() + " healthcheck").isTrue();
                    }
                });
            }
            deps.forEach(d -> assertThat(services.has(d)).as(name + " depends on " + d).isTrue());
        });
    }

    private void checkTrainer(String name, JsonNode trainer) {
        List<String> command = strings(trainer.path("command"));
        assertThat(command.get(0)).as(name).isEqualTo("train");
        parses(command);
        assertThat(option(command, "--bootstrap-servers")).isEqualTo("kafka:9092");
        assertThat(trainer.path("depends_on").path("kafka").path("condition").asText()).isEqualTo("service_healthy");
    }

    /** The command is valid for the hebbscope CLI the image runs: every option exists and parses. */
    private static void parses(List<String> command) {
        CommandLine cl = Hebbscope.commandLine();
        CommandLine.ParseResult parsed = cl.parseArgs(command.toArray(String[]::new));
        assertThat(parsed.subcommand()).as(command.toString()).isNotNull();
        assertThat(parsed.subcommand().unmatched()).as(command.toString()).isEmpty();
    }

    private static String option(List<String> command, String name) {
        int i = command.indexOf(name);
        assertThat(i).as(name + " in " + command).isNotNegative();
        return command.get(i + 1);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static double seconds(String duration) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m)").matcher(duration);
        assertThat(m.matches()).as(duration).isTrue();
        double v = Double.parseDouble(m.group(1));
        return Map.of("ms", v / 1000, "s", v, "m", v * 60).get(m.group(2));
    }

    /** {@code <name>value</name>} in a pom or {@code name=value} in a properties-like file. */
    private static String property(String text, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</|(?m)^" + Pattern.quote(name) + "=(\\S+)$").matcher(text);
        assertThat(m.find()).as(name).isTrue();
        return m.group(1) != null ? m.group(1) : m.group(2);
    }
}
