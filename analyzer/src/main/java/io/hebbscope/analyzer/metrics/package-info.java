/**
 * The analyzer's Prometheus metrics (client_java 1.x). {@link io.hebbscope.analyzer.metrics.AnalyzerMetrics} is
 * what the topology and the commands use; behind it each family is declared once with builders in its own class
 * (runs, layer alignment, neuron alignment, phases, pipeline health), {@code SeriesLifecycle} registers them all and
 * adds and removes the label sets of runs within their caps, {@link io.hebbscope.analyzer.metrics.GaugeHistogram} is
 * the one collector of our own, {@link io.hebbscope.analyzer.metrics.MetricsAuth} the endpoint's basic
 * authentication. Depends on {@code schemas} (the events), {@code io.hebbscope.analyzer.alignment} and
 * client_java; not on the topology.
 */
package io.hebbscope.analyzer.metrics;
