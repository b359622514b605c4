package io.hebbscope.cli.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Grafana dashboard as the tests see it: its variables and every PromQL query of its panels and annotations. */
record Dashboard(String file, JsonNode json, List<Variable> variables, List<Query> queries) {
    /**
     * Why a query may return nothing after a short plain run: the panel's data only appears with the phase
     * detectors, the oscillation detector or a classification task. Marked in the dashboard JSON with the
     * target's (or annotation's) {@code hebbscopeNeeds} field.
     */
    static final List<String> NEEDS = List.of("phase-detectors", "oscillation-detector", "classification-task");
    /** Grafana's built-in interval variables, and what the tests substitute for them. */
    static final Map<String, String> BUILTINS = Map.of("__rate_interval", "20s", "__interval", "5s", "__range", "10m");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::[^}]*)?}|\\[\\[(\\w+)]]|\\$(\\w+)");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((?:(.*),)?\\s*(\\w+)\\s*\\)\\s*$");

    /** A template variable: a Prometheus query variable or a custom list. */
    record Variable(String name, String type, String query, boolean multi, boolean includeAll, List<String> options,
                    String current, JsonNode json) {
        /** For a label_values(selector, label) query: {selector or "", label}; null otherwise. */
        String[] labelValues() {
            Matcher m = LABEL_VALUES.matcher(query == null ? "" : query);
            return m.matches() ? new String[] {m.group(1) == null ? "" : m.group(1).trim(), m.group(2)} : null;
        }
    }

    /** One PromQL expression: a panel target or an annotation. {@code needs} is null when data is always expected. */
    record Query(String dashboard, String panel, String refId, String expr, boolean instant, String format, String needs,
                 JsonNode json) {
        @Override
        public String toString() {
            return dashboard + " / " + panel + " / " + refId + ": " + expr;
        }
    }

    static Dashboard parse(String file, JsonNode json) {
        List<Variable> variables = new ArrayList<>();
        for (JsonNode v : json.path("templating").path("list")) {
            String type = v.path("type").asText();
            JsonNode q = v.path("query");
            String query = q.isObject() ? q.path("query").asText() : q.asText();
            List<String> options = new ArrayList<>();
            if ("custom".equals(type)) {
                for (String o : query.split(",")) {
                    options.add(o.trim());
                }
            }
            variables.add(new Variable(v.path("name").asText(), type, query, v.path("multi").asBoolean(),
                v.path("includeAll").asBoolean(), options, v.path("current").path("value").asText(null), v));
        }
        List<Query> queries = new ArrayList<>();
        String title = json.path("title").asText();
        for (JsonNode p : panels(json)) {
            for (JsonNode t : p.path("targets")) {
                queries.add(new Query(title, p.path("title").asText(), t.path("refId").asText(), t.path("expr").asText(),
                    t.path("instant").asBoolean() && !t.path("range").asBoolean(), t.path("format").asText("time_series"),
                    t.path("hebbscopeNeeds").asText(null), t));
            }
        }
        for (JsonNode a : json.path("annotations").path("list")) {
            if (a.path("builtIn").asInt() == 1) {
                continue;
            }
            String expr = a.has("expr") ? a.path("expr").asText() : a.path("target").path("expr").asText();
            queries.add(new Query(title, "annotation " + a.path("name").asText(), "annotation", expr, false, "time_series",
                a.path("hebbscopeNeeds").asText(null), a));
        }
        return new Dashboard(file, json, variables, queries);
    }

    /** Every panel, with the panels of collapsed rows, rows included. */
    static List<JsonNode> allPanels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    /** Every panel that is not a row. */
    static List<JsonNode> panels(JsonNode dashboard) {
        return allPanels(dashboard).stream().filter(p -> !"row".equals(p.path("type").asText())).toList();
    }

    /** The names of the variables {@code text} refers to ($name, ${name}, ${name:format}, [[name]]). */
    static List<String> references(String text) {
        List<String> names = new ArrayList<>();
        Matcher m = VARIABLE.matcher(text);
        while (m.find()) {
            names.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
        }
        return names;
    }

    /** Replaces variables by their values (and Grafana's built-in intervals); unknown ones stay. */
    static String substitute(String text, Map<String, String> values) {
        Map<String, String> all = new LinkedHashMap<>(BUILTINS);
        all.putAll(values);
        Matcher m = VARIABLE.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            m.appendReplacement(sb, Matcher.quoteReplacement(all.getOrDefault(name, m.group())));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** What Grafana puts in a regex matcher for the selected values of a multi-value variable. */
    static String regexValue(List<String> selected) {
        List<String> escaped = selected.stream().map(v -> v.replaceAll("([\\\\^$.|?*+()\\[\\]{}])", "\\\\\\\\$1")).toList();
        return escaped.size() == 1 ? escaped.get(0) : "(" + String.join("|", escaped) + ")";
    }
}
