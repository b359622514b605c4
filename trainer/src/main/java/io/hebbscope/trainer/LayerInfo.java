package io.hebbscope.trainer;

/** A monitored linear map W (rows = output neurons, cols = inputs), numbered from 0 in forward order. */
public record LayerInfo(String name, int index, int rows, int cols) {}
