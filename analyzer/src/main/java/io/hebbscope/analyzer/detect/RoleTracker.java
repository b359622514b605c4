package io.hebbscope.analyzer.detect;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Neuron roles by a threshold T on a rolling alignment (NaN: undefined): Hebbian above +T, anti-Hebbian
 * below -T, neutral between; and how many consecutive analyzed steps each neuron has held its role.
 */
public final class RoleTracker {
    public static final byte UNDEFINED = 2;
    public static final byte HEBBIAN = 1;
    public static final byte NEUTRAL = 0;
    public static final byte ANTI_HEBBIAN = -1;

    /**
     * @param antiHebbianShare anti / (hebbian + anti), null when no neuron holds a role
     * @param meanRunLength    mean run length of the neurons holding a (non-neutral) role, null when none does
     * @param persistent       neurons that have held a non-neutral role for at least the persistence length
     */
    public record Stats(int hebbian, int antiHebbian, int neutral, int undefined, Double antiHebbianShare,
                        Double meanRunLength, int persistent) {}

    private final byte[] role;
    private final int[] run;

    public RoleTracker(int rows) {
        role = new byte[rows];
        run = new int[rows];
        java.util.Arrays.fill(role, UNDEFINED);
    }

    public int rows() {
        return role.length;
    }

    public byte role(int i) {
        return role[i];
    }

    public int runLength(int i) {
        return run[i];
    }

    public Stats update(double[] rolling, double threshold, int persistSteps) {
        int heb = 0;
        int anti = 0;
        int neutral = 0;
        int undefined = 0;
        int persistent = 0;
        long runSum = 0;
        for (int i = 0; i < role.length; i++) {
            double a = rolling[i];
            byte r = Double.isNaN(a) ? UNDEFINED : a > threshold ? HEBBIAN : a < -threshold ? ANTI_HEBBIAN : NEUTRAL;
            run[i] = r == role[i] ? run[i] + 1 : 1;
            role[i] = r;
            switch (r) {
                case HEBBIAN -> heb++;
                case ANTI_HEBBIAN -> anti++;
                case NEUTRAL -> neutral++;
                default -> undefined++;
            }
            if (r == HEBBIAN || r == ANTI_HEBBIAN) {
                runSum += run[i];
                if (run[i] >= persistSteps) {
                    persistent++;
                }
            }
        }
        int holding = heb + anti;
        return new Stats(heb, anti, neutral, undefined, holding == 0 ? null : (double) anti / holding,
            holding == 0 ? null : (double) runSum / holding, persistent);
    }

    void write(DataOutput out) throws IOException {
        out.writeInt(role.length);
        for (int i = 0; i < role.length; i++) {
            out.writeByte(role[i]);
            out.writeInt(run[i]);
        }
    }

    static RoleTracker read(DataInput in) throws IOException {
        RoleTracker t = new RoleTracker(in.readInt());
        for (int i = 0; i < t.role.length; i++) {
            t.role[i] = in.readByte();
            t.run[i] = in.readInt();
        }
        return t;
    }
}
