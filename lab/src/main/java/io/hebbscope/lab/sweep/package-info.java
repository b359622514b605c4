/**
 * Sweeps: a grid of training settings, trained a few at once, analyzed by one analyzer, and the results table with
 * its summary in the layout of the paper's Table 1. Depends on {@code trainer} and {@code schemas}; it reads the
 * analyzer's results from its output topics, never its classes.
 */
package io.hebbscope.lab.sweep;
