package io.hebbscope.analyzer.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Orders assembled steps of one (run, layer) the way the trainer published them: each step names its
 * predecessor, and a step is released only after it. When more than {@code maxWaiting} steps wait for a step
 * that never completes (a block was dead-lettered), the earliest waiting step is released anyway.
 */
public final class StepChain {
    private long lastReleased;
    private long released;
    private final TreeMap<Long, Long> waiting = new TreeMap<>();

    public StepChain(long lastReleased, long released, List<Long> waitingSteps, List<Long> waitingPrevious) {
        this.lastReleased = lastReleased;
        this.released = released;
        for (int i = 0; i < waitingSteps.size(); i++) {
            waiting.put(waitingSteps.get(i), waitingPrevious.get(i));
        }
    }

    public static StepChain empty() {
        return new StepChain(-1L, 0L, List.of(), List.of());
    }

    /** Whether {@code step} has been released or passed over already (a late duplicate). */
    public boolean isPast(long step) {
        return released > 0 && step <= lastReleased;
    }

    /** Whether a step with this predecessor would be released at once, nothing waiting before it. */
    public boolean releasesAtOnce(long previous) {
        return waiting.isEmpty() && previous == (released == 0 ? -1L : lastReleased);
    }

    /** Adds a completed step and returns the steps released by it, in order; {@code skipped} counts forced releases. */
    public List<Long> complete(long step, long previous, int maxWaiting, int[] skipped) {
        waiting.put(step, previous);
        List<Long> out = new ArrayList<>();
        while (!waiting.isEmpty()) {
            long expected = released == 0 ? -1L : lastReleased;
            Long next = null;
            for (var e : waiting.entrySet()) {
                if (e.getValue() == expected) {
                    next = e.getKey();
                    break;
                }
            }
            if (next == null) {
                if (waiting.size() <= maxWaiting) {
                    break;
                }
                next = waiting.firstKey();
                skipped[0]++;
            }
            out.add(next);
            lastReleased = next;
            released++;
            waiting.headMap(next, true).clear();
        }
        return out;
    }

    public long lastReleased() {
        return lastReleased;
    }

    public long released() {
        return released;
    }

    public List<Long> waitingSteps() {
        return new ArrayList<>(waiting.keySet());
    }

    public List<Long> waitingPrevious() {
        return new ArrayList<>(waiting.values());
    }
}
