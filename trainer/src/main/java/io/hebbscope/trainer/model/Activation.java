package io.hebbscope.trainer.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Elementwise activation of the hidden layers. Both methods return new arrays (allocated in the current
 * workspace, if any) and never modify their arguments, because the forward cache keeps h and f(h) for the
 * backward pass and the Hebbian term.
 */
public enum Activation {
    TANH {
        @Override public INDArray apply(INDArray h) { return Transforms.tanh(h, true); }
        // f' = 1 - tanh(h)^2, computed from the cached output instead of a second tanh.
        @Override public INDArray derivative(INDArray h, INDArray fh) { return fh.mul(fh).rsubi(1.0); }
    },
    RELU {
        @Override public INDArray apply(INDArray h) { return Transforms.relu(h, true); }
        // Step function: 1 where h > 0, else 0 (the subgradient at 0 is taken as 0, like PyTorch).
        @Override public INDArray derivative(INDArray h, INDArray fh) { return Transforms.step(h, true); }
    },
    /** Exact GELU h * Phi(h) with the erf form (PyTorch's default), not the tanh approximation. */
    GELU {
        @Override public INDArray apply(INDArray h) {
            return cdf(h).muli(h);
        }
        // d/dh [h Phi(h)] = Phi(h) + h phi(h), phi the standard normal density.
        @Override public INDArray derivative(INDArray h, INDArray fh) {
            INDArray density = Transforms.exp(h.mul(h).muli(-0.5), false).muli(INV_SQRT_2PI).muli(h);
            return cdf(h).addi(density);
        }
    },
    SIGMOID {
        @Override public INDArray apply(INDArray h) { return Transforms.sigmoid(h, true); }
        // f' = s (1 - s), from the cached output.
        @Override public INDArray derivative(INDArray h, INDArray fh) { return fh.rsub(1.0).muli(fh); }
    },
    LINEAR {
        @Override public INDArray apply(INDArray h) { return h.dup(); }
        @Override public INDArray derivative(INDArray h, INDArray fh) { return Nd4j.onesLike(h); }
    };

    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);

    /** f(h), a new array of h's shape and type. */
    public abstract INDArray apply(INDArray h);

    /** f'(h), a new array; {@code fh} must be {@code apply(h)} (some activations reuse it). */
    public abstract INDArray derivative(INDArray h, INDArray fh);

    /** Parses "tanh", "relu", ... case-insensitively. */
    public static Activation parse(String name) {
        return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
    }

    /** Lower-case name as used in configs and events. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Standard normal CDF Phi(h) = (1 + erf(h / sqrt 2)) / 2, a new array. */
    private static INDArray cdf(INDArray h) {
        INDArray scaled = h.mul(INV_SQRT_2);
        Nd4j.exec(new Erf(scaled, scaled));
        return scaled.addi(1.0).muli(0.5);
    }
}
