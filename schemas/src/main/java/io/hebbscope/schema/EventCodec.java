package io.hebbscope.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding (2 magic bytes, 8-byte schema fingerprint, body) for every hebbscope event.
 * Readers know every current schema and every older version kept under {@code history/}, so logs
 * written by an older hebbscope stay readable without a schema registry.
 */
public final class EventCodec {
    /** Every event type, in one place. */
    public static final List<Class<? extends SpecificRecord>> EVENT_TYPES = List.of(
        RunStarted.class, RunFinished.class, StepMetrics.class, LayerStep.class,
        NeuronAlignment.class, LayerAlignment.class, PhaseEvent.class, DeadLetter.class,
        BlockAlignment.class, PendingStep.class, LayerState.class, PluginResult.class, PluginLayerState.class,
        LayerAdmission.class, RunEvent.class, RunAdmission.class, WaitingRecord.class, LayerStats.class, TwinStep.class,
        TrainerCheckpoint.class);

    /** Older schema versions, as resources under io/hebbscope/schema/history. */
    static final List<String> HISTORY = List.of("StepMetrics-v1.avsc", "LayerStep-v1.avsc", "BlockAlignment-v1.avsc",
        "PendingStep-v1.avsc", "LayerAlignment-v1.avsc", "LayerStep-v2.avsc", "BlockAlignment-v2.avsc", "LayerStep-v3.avsc",
        "RunStarted-v1.avsc", "BlockAlignment-v3.avsc", "LayerAdmission-v1.avsc", "RunAdmission-v1.avsc");

    private static final byte[] MAGIC = {(byte) 0xC3, (byte) 0x01};
    /** The magic and the 8-byte fingerprint before the body. */
    private static final int HEADER_BYTES = 10;
    private static final ThreadLocal<ThreadDecoders> THREAD_DECODERS = ThreadLocal.withInitial(ThreadDecoders::new);
    private static final EventCodec INSTANCE = new EventCodec();

    private final Map<Class<?>, BinaryMessageEncoder<?>> encoders = new HashMap<>();
    private final Map<Long, Class<? extends SpecificRecord>> typeByFingerprint = new HashMap<>();
    private final Map<Long, Schema> schemaByFingerprint = new HashMap<>();

    private EventCodec() {
        AvroTrust.ensure();
        Map<String, Class<? extends SpecificRecord>> byName = new HashMap<>();
        for (Class<? extends SpecificRecord> type : EVENT_TYPES) {
            Schema schema = SpecificData.get().getSchema(type);
            byName.put(schema.getFullName(), type);
            register(schema, type);
        }
        for (String resource : HISTORY) {
            Schema old = parseHistory(resource);
            Class<? extends SpecificRecord> type = byName.get(old.getFullName());
            if (type == null) {
                throw new IllegalStateException("history schema " + resource + " matches no current event type");
            }
            register(old, type);
        }
        for (Class<? extends SpecificRecord> type : EVENT_TYPES) {
            Schema current = SpecificData.get().getSchema(type);
            encoders.put(type, new BinaryMessageEncoder<>(SpecificData.get(), current));
        }
    }

    public static EventCodec get() {
        return INSTANCE;
    }

    private void register(Schema schema, Class<? extends SpecificRecord> type) {
        long fp = SchemaNormalization.parsingFingerprint64(schema);
        typeByFingerprint.put(fp, type);
        schemaByFingerprint.put(fp, schema);
    }

    private static Schema parseHistory(String resource) {
        try (InputStream in = EventCodec.class.getResourceAsStream("history/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing schema history resource io/hebbscope/schema/history/" + resource);
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** All schemas a reader accepts, current and older, by fingerprint. */
    public Map<Long, Schema> knownSchemas() {
        return Map.copyOf(schemaByFingerprint);
    }

    public <T extends SpecificRecord> byte[] encode(T record) {
        try {
            ByteBuffer buf = encoderOf(record).encode(record);
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes the same bytes as {@link #encode} to {@code out}: with a reused stream a large event costs one copy
     * into it instead of the three of {@code encode}.
     */
    public <T extends SpecificRecord> void encodeTo(T record, OutputStream out) {
        try {
            encoderOf(record).encode(record, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private <T extends SpecificRecord> BinaryMessageEncoder<T> encoderOf(T record) {
        BinaryMessageEncoder<T> encoder = (BinaryMessageEncoder<T>) encoders.get(record.getClass());
        if (encoder == null) {
            throw new IllegalArgumentException("not a hebbscope event type: " + record.getClass().getName());
        }
        return encoder;
    }

    /** Decodes a message that must be of {@code type} (any known version of it). */
    public <T extends SpecificRecord> T decode(byte[] message, Class<T> type) {
        return decode(message, type, null);
    }

    /**
     * The same into {@code reuse} (may be null) where its type allows: a caller that decodes many large events of
     * one type keeps their byte buffers instead of allocating them again for every event.
     */
    public <T extends SpecificRecord> T decode(byte[] message, Class<T> type, T reuse) {
        Class<? extends SpecificRecord> actual = typeOf(message);
        if (actual != type) {
            throw new MalformedEventException("expected " + type.getSimpleName() + " but the message holds "
                + actual.getSimpleName());
        }
        return read(message, type, reuse);
    }

    /** Decodes a message of any known event type (the runs topic carries two). */
    public SpecificRecord decodeAny(byte[] message) {
        return read(message, typeOf(message), null);
    }

    /** The event type a message holds, from its fingerprint. */
    public Class<? extends SpecificRecord> typeOf(byte[] message) {
        if (message == null) {
            throw new MalformedEventException("null message");
        }
        if (message.length < 10 || message[0] != MAGIC[0] || message[1] != MAGIC[1]) {
            throw new MalformedEventException("not Avro single-object encoded (bad magic or shorter than 10 bytes, "
                + message.length + " bytes)");
        }
        long fp = fingerprintOf(message);
        Class<? extends SpecificRecord> type = typeByFingerprint.get(fp);
        if (type == null) {
            throw new MalformedEventException(String.format("unknown schema fingerprint %016x", fp));
        }
        return type;
    }

    private static long fingerprintOf(byte[] message) {
        return ByteBuffer.wrap(message, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** Per thread: Avro's datum readers keep state while they read, and a decoder is reused from record to record. */
    private static final class ThreadDecoders {
        final Map<Long, SpecificDatumReader<?>> readers = new HashMap<>();
        BinaryDecoder decoder;
    }

    /**
     * The body of a message of a known {@code type}, written with the schema its fingerprint names, into {@code reuse}
     * (may be null). Avro's BinaryMessageDecoder would read through an InputStream and a DirectBinaryDecoder
     * (allocating buffers, a varint a byte at a time); a buffered BinaryDecoder over the array refills reuse's buffers.
     */
    @SuppressWarnings("unchecked")
    private <T extends SpecificRecord> T read(byte[] message, Class<T> type, T reuse) {
        try {
            ThreadDecoders local = THREAD_DECODERS.get();
            SpecificDatumReader<T> reader = (SpecificDatumReader<T>) local.readers.computeIfAbsent(fingerprintOf(message),
                fp -> new SpecificDatumReader<>(schemaByFingerprint.get(fp), SpecificData.get().getSchema(type)));
            local.decoder = DecoderFactory.get().binaryDecoder(message, HEADER_BYTES, message.length - HEADER_BYTES,
                local.decoder);
            return reader.read(reuse, local.decoder);
        } catch (IOException | RuntimeException e) {
            throw new MalformedEventException("cannot decode " + type.getSimpleName() + ": " + e, e);
        }
    }
}
