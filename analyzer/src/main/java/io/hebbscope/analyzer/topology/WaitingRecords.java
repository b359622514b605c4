package io.hebbscope.analyzer.topology;

import io.hebbscope.schema.WaitingRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Records of runs not admitted (yet) waiting for their RunStarted: a store of at most {@code capacity} records
 * (per task), keyed {@code key/arrival/source} so that one key's records form a prefix range, plus an in-memory index in
 * arrival order, rebuilt from the store whenever the task (re)starts, for the grace period and for eviction. The grace
 * period counts while the task runs: records that waited across a restart (a crash, a rebalance) wait afresh from the
 * restart, since what they wait for may have been on its way then.
 */
final class WaitingRecords {
    private final KeyValueStore<String, WaitingRecord> store;
    private final int capacity;
    /** arrival order key -> store key */
    private final TreeMap<String, String> byArrival = new TreeMap<>();
    /** store key -> arrival order key */
    private final Map<String, String> arrivalOf = new HashMap<>();

    /** @param nowMs the task's (re)start: the grace period of records already waiting counts from here */
    WaitingRecords(KeyValueStore<String, WaitingRecord> store, int capacity, long nowMs) {
        this.store = store;
        this.capacity = capacity;
        try (var it = store.all()) {
            it.forEachRemaining(kv -> index(kv.key, Math.max(kv.value.getArrivedAtMs(), nowMs)));
        }
    }

    /**
     * Where a record was read, as the unique part of its store key: partition and offset zero-padded, so that records
     * that arrived in the same millisecond are taken in the order they were read (as text, offset 100 came before 99).
     */
    static String source(String topic, int partition, long offset) {
        return String.format("%s/%010d/%019d", topic, Math.max(0, partition), Math.max(0, offset));
    }

    /** Indexes a record by the time its grace period started. */
    private void index(String storeKey, long waitingSince) {
        String order = String.format("%019d", Math.max(0, waitingSince)) + "|" + storeKey;
        byArrival.put(order, storeKey);
        arrivalOf.put(storeKey, order);
    }

    private static long waitingSince(String order) {
        return Long.parseLong(order.substring(0, order.indexOf('|')));
    }

    /**
     * Adds a waiting record under {@code r.key}; {@code source} makes it unique (the same source record again replaces
     * it). Returns the records evicted, oldest first, to stay within the capacity.
     */
    List<WaitingRecord> add(WaitingRecord r, String source) {
        String storeKey = r.getKey() + "/" + String.format("%019d", Math.max(0, r.getArrivedAtMs())) + "/" + source;
        String old = arrivalOf.remove(storeKey);
        if (old != null) {
            byArrival.remove(old);
        }
        store.put(storeKey, r);
        index(storeKey, r.getArrivedAtMs());
        List<WaitingRecord> evicted = new ArrayList<>();
        while (byArrival.size() > capacity) {
            WaitingRecord gone = remove(byArrival.firstEntry().getValue());
            if (gone != null) {
                evicted.add(gone);
            }
        }
        return evicted;
    }

    /** Removes and returns the records waiting under {@code key}, in arrival order. */
    List<WaitingRecord> take(String key) {
        List<String> keys = new ArrayList<>();
        try (var it = store.prefixScan(key + "/", new StringSerializer())) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.sort((a, b) -> arrivalOf.getOrDefault(a, a).compareTo(arrivalOf.getOrDefault(b, b)));
        List<WaitingRecord> out = new ArrayList<>();
        for (String k : keys) {
            out.add(remove(k));
        }
        return out;
    }

    /** Removes and returns the records that have waited at least {@code graceMs} at {@code nowMs}, oldest first. */
    List<WaitingRecord> expire(long nowMs, long graceMs) {
        List<WaitingRecord> out = new ArrayList<>();
        while (!byArrival.isEmpty()) {
            var first = byArrival.firstEntry();
            if (nowMs - waitingSince(first.getKey()) < graceMs) {
                break;
            }
            WaitingRecord removed = remove(first.getValue());
            if (removed != null) {
                out.add(removed);
            }
        }
        return out;
    }

    int size() {
        return byArrival.size();
    }

    private WaitingRecord remove(String storeKey) {
        String order = arrivalOf.remove(storeKey);
        if (order != null) {
            byArrival.remove(order);
        }
        return store.delete(storeKey);
    }
}
