package io.hebbscope.analyzer.topology;

import io.hebbscope.schema.DeadLetter;
import org.apache.avro.specific.SpecificRecord;

/** What a validating processor forwards: a good record for the next stage, or a dead letter. */
sealed interface Routed {
    record Good(String key, SpecificRecord value) implements Routed {}

    record Dead(byte[] key, DeadLetter letter) implements Routed {}
}
