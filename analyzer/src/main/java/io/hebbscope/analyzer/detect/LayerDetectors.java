package io.hebbscope.analyzer.detect;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Every rolling statistic and detector of one (run, layer), fed the layer's analyzed steps strictly in
 * publish order; a pure, deterministic state machine whose state serializes to bytes (kept in a Kafka
 * Streams store), so a restart or a replay continues with exactly the same decisions.
 * <p>Signals: the bump and phase-change detectors read the layer alignment of the learning signal g (the
 * paper's bump is in the gradient's alignment, independent of weight decay); roles, oscillations and
 * stationarity read the full update U (the paper's per-neuron roles and oscillations are of full updates).
 */
public final class LayerDetectors {
    private static final int FORMAT = 1;

    /** One analyzed step of the layer. */
    public record Input(long step, Double layerSignal, double[][] neuron, boolean[][] defined, double[] updateEwma,
                        double roleThreshold, double updateNorm, double[] updateSketch, double weightNorm) {}

    /** What the step produced: detections to publish and the statistics for LayerAlignment. */
    public record Output(List<Detection> detections, RoleTracker.Stats roles, OscillationDetector.Stats oscillation,
                         StationarityDetector.Stats stationarity, Double updateNeuronMean) {}

    private final DetectorSettings settings;
    private NeuronWindows windows;
    private RoleTracker roles;
    private BumpDetector bump;
    private PhaseChangeDetector phase;
    private OscillationDetector oscillation;
    private StationarityDetector stationarity;

    public LayerDetectors(DetectorSettings settings, int rows) {
        this.settings = settings;
        reset(rows);
    }

    private void reset(int rows) {
        windows = new NeuronWindows(rows, settings.window());
        roles = new RoleTracker(rows);
        bump = new BumpDetector(settings);
        phase = new PhaseChangeDetector(settings);
        oscillation = new OscillationDetector(settings);
        stationarity = new StationarityDetector(settings);
    }

    public Output step(Input in) {
        int rows = in.neuron()[0].length;
        if (rows != windows.rows()) {
            reset(rows);
        }
        List<Detection> detections = new ArrayList<>();
        windows.push(in.step(), in.neuron(), in.defined());
        RoleTracker.Stats roleStats = roles.update(in.updateEwma(), in.roleThreshold(), settings.rolePersistSteps());

        boolean bumpRising = bump.rising();
        detections.addAll(bump.offer(in.step(), in.layerSignal()));
        detections.addAll(phase.offer(in.step(), in.layerSignal(), bumpRising || bump.rising()));

        OscillationDetector.Stats osc = oscillation.measure(windows);
        detections.addAll(oscillation.offer(in.step(), windows, osc));

        StationarityDetector.Stats stat = stationarity.measure(in.updateSketch(), in.updateNorm(), in.weightNorm());
        detections.addAll(stationarity.offer(in.step(), stat, in.weightNorm(), in.updateNorm()));

        double sum = 0;
        int n = 0;
        for (int i = 0; i < rows; i++) {
            if (in.defined()[NeuronWindows.UPDATE][i]) {
                sum += in.neuron()[NeuronWindows.UPDATE][i];
                n++;
            }
        }
        return new Output(detections, roleStats, osc, stat, n == 0 ? null : sum / n);
    }

    public NeuronWindows windows() {
        return windows;
    }

    public byte[] toBytes() {
        try (StateOutput out = StateOutput.reused()) {
            out.writeInt(FORMAT);
            windows.write(out);
            roles.write(out);
            bump.write(out);
            phase.write(out);
            oscillation.write(out);
            stationarity.write(out);
            out.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Restores a state written by {@link #toBytes}; a state of another format or written with other window
     * settings starts afresh (detections then restart, as after a settings change they must).
     */
    public static LayerDetectors fromBytes(byte[] bytes, DetectorSettings settings, int rows) {
        LayerDetectors d = new LayerDetectors(settings, rows);
        if (bytes == null) {
            return d;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != FORMAT) {
                return d;
            }
            NeuronWindows windows = NeuronWindows.read(in);
            RoleTracker roles = RoleTracker.read(in);
            if (windows.length() != settings.window()) {
                return d;
            }
            d.windows = windows;
            d.roles = roles;
            d.bump = BumpDetector.read(in, settings);
            d.phase = PhaseChangeDetector.read(in, settings);
            d.oscillation = OscillationDetector.read(in, settings);
            d.stationarity = StationarityDetector.read(in, settings);
            return d;
        } catch (IOException e) {
            return new LayerDetectors(settings, rows);
        }
    }
}
