/**
 * The performance harness behind {@code hebbscope bench}: step time (training alone, probed, publishing), publish and
 * analysis throughput beside Kafka's own {@code ProducerPerformance} / {@code ConsumerPerformance}, live lag, and
 * recovery after a {@code kill -9}. It may depend on every feature module but not on the command line: processes it
 * starts as child JVMs get the command line's main class as a parameter.
 */
package io.hebbscope.bench;
