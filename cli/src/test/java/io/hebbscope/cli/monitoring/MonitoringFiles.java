package io.hebbscope.cli.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The repository's monitoring files: docker-compose.yml, prometheus/, grafana/, docker/. */
final class MonitoringFiles {
    static final ObjectMapper JSON = new ObjectMapper();
    static final YAMLMapper YAML = new YAMLMapper();
    /** The uid of the provisioned Prometheus datasource, which every dashboard uses. */
    static final String DATASOURCE_UID = "hebbscope-prometheus";

    private MonitoringFiles() {}

    /** The repository root: the first directory upwards from the module that holds docker-compose.yml. */
    static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("docker-compose.yml")) && Files.isDirectory(p.resolve("grafana"))) {
                return p;
            }
        }
        throw new IllegalStateException("no docker-compose.yml above " + Path.of("").toAbsolutePath());
    }

    static JsonNode yaml(String relative) {
        try {
            return YAML.readTree(root().resolve(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + relative + ": " + e.getMessage(), e);
        }
    }

    static String text(String relative) {
        try {
            return Files.readString(root().resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every dashboard JSON file of grafana/dashboards, sorted. */
    static List<Path> dashboardFiles() {
        try (Stream<Path> files = Files.list(root().resolve("grafana/dashboards"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Dashboard> dashboards() {
        List<Dashboard> out = new ArrayList<>();
        for (Path f : dashboardFiles()) {
            try {
                out.add(Dashboard.parse(f.getFileName().toString(), JSON.readTree(f.toFile())));
            } catch (IOException e) {
                throw new UncheckedIOException("invalid JSON in " + f + ": " + e.getMessage(), e);
            }
        }
        return out;
    }
}
