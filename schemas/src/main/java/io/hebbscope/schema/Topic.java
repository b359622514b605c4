package io.hebbscope.schema;

import org.apache.kafka.common.serialization.Serde;

/** A topic paired with the serdes of its keys and values, so neither is ever repeated. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {}
