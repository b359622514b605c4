package io.hebbscope.analyzer.plugin;

import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** What a plug-in gets at start: the registry its metrics go to (served on the analyzer's endpoint). */
public record PluginContext(PrometheusRegistry registry) {}
