package io.hebbscope.schema;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka serde for one event type in single-object encoding; decoding failures throw {@link MalformedEventException}. */
public final class AvroSerde {
    private AvroSerde() {}

    public static <T extends SpecificRecord> Serde<T> of(Class<T> type) {
        EventCodec codec = EventCodec.get();
        Serializer<T> ser = (topic, value) -> value == null ? null : codec.encode(value);
        Deserializer<T> de = (topic, bytes) -> bytes == null ? null : codec.decode(bytes, type);
        return Serdes.serdeFrom(ser, de);
    }

    /** For topics that carry several event types (the runs topic). */
    public static Serde<SpecificRecord> ofAny() {
        EventCodec codec = EventCodec.get();
        Serializer<SpecificRecord> ser = (topic, value) -> value == null ? null : codec.encode(value);
        Deserializer<SpecificRecord> de = (topic, bytes) -> bytes == null ? null : codec.decodeAny(bytes);
        return Serdes.serdeFrom(ser, de);
    }
}
