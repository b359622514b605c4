package io.hebbscope.cli.monitoring;

import static io.hebbscope.cli.monitoring.MonitoringFiles.DATASOURCE_UID;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Dashboards and provisioning files are well-formed: the real Grafana only reads them in docker-compose. */
class DashboardStructureTest {
    private static final Set<String> EXPECTED = Set.of("hebbscope-overview", "hebbscope-neurons", "hebbscope-sweep",
        "hebbscope-pipeline");

    @Test
    void theFourDashboardsExistWithUniqueUidsAndValidJson() {
        List<Dashboard> dashboards = MonitoringFiles.dashboards();
        Set<String> uids = new HashSet<>();
        for (Dashboard d : dashboards) {
            String uid = d.json().path("uid").asText();
            assertThat(uids.add(uid)).as("unique uid %s", uid).isTrue();
            assertThat(d.file()).isEqualTo(uid + ".json");
            assertThat(d.json().path("title").asText()).as(d.file()).isNotBlank();
            assertThat(d.json().path("tags")).as(d.file()).anyMatch(t -> t.asText().equals("hebbscope"));
            assertThat(d.json().path("schemaVersion").asInt()).as(d.file()).isGreaterThanOrEqualTo(36);
            assertThat(d.json().path("id").isMissingNode() || d.json().path("id").isNull()).as("no fixed id in " + d.file()).isTrue();
        }
        assertThat(uids).isEqualTo(EXPECTED);
    }

    @Test
    void everyPanelHasAQueryOnTheProvisionedDatasource() {
        for (Dashboard d : MonitoringFiles.dashboards()) {
            Set<Integer> ids = new HashSet<>();
            for (JsonNode p : Dashboard.allPanels(d.json())) {
                String where = d.file() + " / " + p.path("title").asText();
                assertThat(ids.add(p.path("id").asInt())).as("unique panel id in " + where).isTrue();
                assertThat(p.path("title").asText()).as("title of a panel in " + d.file()).isNotBlank();
                JsonNode grid = p.path("gridPos");
                assertThat(grid.path("w").asInt()).as(where).isBetween(1, 24);
                assertThat(grid.path("h").asInt()).as(where).isPositive();
                assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as(where).isLessThanOrEqualTo(24);
                if ("row".equals(p.path("type").asText())) {
                    continue;
                }
                assertThat(p.path("description").asText()).as("description of " + where).isNotBlank();
                assertThat(p.path("datasource").path("uid").asText()).as(where).isEqualTo(DATASOURCE_UID);
                assertThat(p.path("targets").size()).as("queries of " + where).isPositive();
                Set<String> refIds = new HashSet<>();
                for (JsonNode t : p.path("targets")) {
                    assertThat(t.path("expr").asText()).as("expr of " + where).isNotBlank();
                    assertThat(refIds.add(t.path("refId").asText())).as("unique refId in " + where).isTrue();
                    assertThat(t.path("datasource").path("uid").asText(DATASOURCE_UID)).as(where).isEqualTo(DATASOURCE_UID);
                    if (t.has("hebbscopeNeeds")) {
                        assertThat(Dashboard.NEEDS).as(where).contains(t.path("hebbscopeNeeds").asText());
                    }
                    if ("heatmap".equals(t.path("format").asText())) {
                        assertThat(t.path("expr").asText()).as("a heatmap query groups by le: " + where).contains("by (le)");
                        assertThat(t.path("legendFormat").asText()).as(where).isEqualTo("{{le}}");
                    }
                }
            }
            for (Dashboard.Query q : d.queries()) {
                if (q.refId().equals("annotation")) {
                    assertThat(q.json().path("datasource").path("uid").asText()).as(q.toString()).isEqualTo(DATASOURCE_UID);
                    assertThat(q.expr()).as(q.toString()).isNotBlank();
                }
            }
        }
    }

    @Test
    void everyVariableUsedIsDefinedAndMultiValueOnesOnlyInRegexMatchers() {
        for (Dashboard d : MonitoringFiles.dashboards()) {
            Set<String> defined = new HashSet<>(Dashboard.BUILTINS.keySet());
            for (Dashboard.Variable v : d.variables()) {
                String where = d.file() + " variable " + v.name();
                assertThat(v.name()).as(where).matches("\\w+");
                assertThat(v.type()).as(where).isIn("query", "custom");
                if (v.type().equals("query")) {
                    assertThat(v.json().path("datasource").path("uid").asText()).as(where).isEqualTo(DATASOURCE_UID);
                    assertThat(v.labelValues()).as("label_values(selector, label) in " + where).isNotNull();
                    // A variable may only use variables defined before it.
                    assertThat(defined).as(where).containsAll(Dashboard.references(v.query()));
                } else {
                    assertThat(v.options()).as(where).isNotEmpty().contains(v.current());
                }
                defined.add(v.name());
            }
            List<String> texts = new ArrayList<>();
            d.queries().forEach(q -> texts.add(q.expr()));
            for (JsonNode p : Dashboard.allPanels(d.json())) {
                texts.add(p.path("title").asText());
                if (p.has("repeat")) {
                    texts.add("$" + p.path("repeat").asText());
                }
            }
            for (String text : texts) {
                assertThat(defined).as("variables of '" + text + "' in " + d.file()).containsAll(Dashboard.references(text));
            }
            for (Dashboard.Variable v : d.variables()) {
                if (!v.multi() && !v.includeAll()) {
                    continue;
                }
                for (Dashboard.Query q : d.queries()) {
                    Matcher m = Pattern.compile("(..)\"\\$" + v.name() + "\"").matcher(q.expr());
                    while (m.find()) {
                        assertThat(m.group(1)).as("multi-value $" + v.name() + " needs =~ in " + q).isEqualTo("=~");
                    }
                }
            }
        }
    }

    @Test
    void provisioningPointsGrafanaAtThePrometheusOfTheComposeFileAndAtTheDashboards() {
        JsonNode ds = MonitoringFiles.yaml("grafana/provisioning/datasources/prometheus.yml");
        assertThat(ds.path("apiVersion").asInt()).isEqualTo(1);
        assertThat(ds.path("datasources")).hasSize(1);
        JsonNode prometheus = ds.path("datasources").get(0);
        assertThat(prometheus.path("type").asText()).isEqualTo("prometheus");
        assertThat(prometheus.path("uid").asText()).isEqualTo(DATASOURCE_UID);
        assertThat(prometheus.path("url").asText()).isEqualTo("http://prometheus:9090");
        JsonNode compose = MonitoringFiles.yaml("docker-compose.yml");
        assertThat(compose.path("services").has("prometheus")).isTrue();
        // $__rate_interval in Grafana comes from this scrape interval: it must be Prometheus's own.
        assertThat(prometheus.path("jsonData").path("timeInterval").asText())
            .isEqualTo(MonitoringFiles.yaml("prometheus/prometheus.yml").path("global").path("scrape_interval").asText());

        JsonNode providers = MonitoringFiles.yaml("grafana/provisioning/dashboards/hebbscope.yml");
        assertThat(providers.path("apiVersion").asInt()).isEqualTo(1);
        JsonNode provider = providers.path("providers").get(0);
        assertThat(provider.path("type").asText()).isEqualTo("file");
        String path = provider.path("options").path("path").asText();
        JsonNode grafana = compose.path("services").path("grafana");
        assertThat(grafana.path("volumes")).extracting(JsonNode::asText)
            .contains("./grafana/dashboards:" + path + ":ro", "./grafana/provisioning:/etc/grafana/provisioning:ro");
        String home = grafana.path("environment").path("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH").asText();
        assertThat(home).startsWith(path + "/");
        assertThat(Files.isRegularFile(MonitoringFiles.root().resolve("grafana/dashboards").resolve(home.substring(path.length() + 1))))
            .as("home dashboard " + home).isTrue();
    }
}
