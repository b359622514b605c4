/**
 * Report figures (JFreeChart PNGs) and their index pages, drawn from the analyzer's output topics and from sweep
 * results; also the σ–γ noise-boundary fit ({@link io.hebbscope.lab.report.PhaseBoundaryFit}).
 */
package io.hebbscope.lab.report;
