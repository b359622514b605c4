package io.hebbscope.bench;

import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Records and value bytes acknowledged by the broker, per topic, for every producer built from
 * {@link #attachTo(Properties)}'s properties: the bench's exact measure of what went to {@code layer-steps} (the
 * EventPublisher itself only counts all its topics together). Works through a producer interceptor, so the
 * publisher under test is the unchanged production class.
 */
final class AckedBytes implements AutoCloseable {
    /** The producer property naming the tally an interceptor instance adds to. */
    static final String TALLY_CONFIG = "hebbscope.bench.tally";

    private static final Map<String, AckedBytes> TALLIES = new ConcurrentHashMap<>();

    private final String id = UUID.randomUUID().toString();
    private final Map<String, LongAdder> records = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> bytes = new ConcurrentHashMap<>();
    private final LongAdder sent = new LongAdder();
    private final LongAdder completed = new LongAdder();

    AckedBytes() {
        TALLIES.put(id, this);
    }

    /** {@code client} plus the interceptor that counts into this tally. */
    Properties attachTo(Properties client) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, Interceptor.class.getName());
        p.put(TALLY_CONFIG, id);
        return p;
    }

    long records(String topic) {
        LongAdder a = records.get(topic);
        return a == null ? 0 : a.sum();
    }

    long bytes(String topic) {
        LongAdder a = bytes.get(topic);
        return a == null ? 0 : a.sum();
    }

    /** Whether every record handed to the producers so far has been acknowledged or has failed. */
    boolean allCompleted() {
        return completed.sum() >= sent.sum();
    }

    private void add(String topic, int valueBytes) {
        records.computeIfAbsent(topic, t -> new LongAdder()).increment();
        bytes.computeIfAbsent(topic, t -> new LongAdder()).add(Math.max(0, valueBytes));
    }

    @Override
    public void close() {
        TALLIES.remove(id);
    }

    /** Instantiated by the Kafka producer; counts successful sends into the tally its configuration names. */
    public static final class Interceptor implements ProducerInterceptor<Object, Object> {
        private AckedBytes tally;

        @Override
        public void configure(Map<String, ?> configs) {
            Object id = configs.get(TALLY_CONFIG);
            tally = id == null ? null : TALLIES.get(id.toString());
        }

        @Override
        public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
            if (tally != null) {
                tally.sent.increment();
            }
            return record;
        }

        @Override
        public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
            if (tally == null) {
                return;
            }
            if (exception == null && metadata != null) {
                tally.add(metadata.topic(), metadata.serializedValueSize());
            }
            tally.completed.increment();
        }

        @Override
        public void close() {}
    }
}
