package io.hebbscope.analyzer.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.schema.Tensor;
import io.hebbscope.schema.TensorCodec;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Field-by-field comparison of two analyses of the same training under different run ids: every number (tensors
 * included) within an absolute tolerance, everything else equal, run ids ignored.
 */
final class SameAnalysis {
    private SameAnalysis() {}

    static void assertSame(List<? extends SpecificRecord> a, List<? extends SpecificRecord> b, double tolerance) {
        assertThat(b).hasSameSizeAs(a);
        for (int i = 0; i < a.size(); i++) {
            assertSame(a.get(i), b.get(i), tolerance, a.get(i).getClass().getSimpleName() + " #" + i);
        }
    }

    static void assertSame(SpecificRecord a, SpecificRecord b, double tolerance, String what) {
        assertThat(b.getClass()).isEqualTo(a.getClass());
        for (Schema.Field f : a.getSchema().getFields()) {
            if (f.name().equals("runId")) {
                continue;
            }
            assertValue(a.get(f.pos()), b.get(f.pos()), tolerance, what + "." + f.name());
        }
    }

    private static void assertValue(Object x, Object y, double tolerance, String what) {
        if (x == null || y == null) {
            assertThat(y).as(what).isEqualTo(x);
        } else if (x instanceof Double || x instanceof Float) {
            double dx = ((Number) x).doubleValue();
            double dy = ((Number) y).doubleValue();
            assertThat(Math.abs(dx - dy)).as("%s: %s vs %s", what, dx, dy).isLessThanOrEqualTo(tolerance);
        } else if (x instanceof Tensor tx) {
            Tensor ty = (Tensor) y;
            assertThat(ty.getRows()).as(what).isEqualTo(tx.getRows());
            assertThat(ty.getCols()).as(what).isEqualTo(tx.getCols());
            double[] vx = TensorCodec.decodeDoubles(tx);
            double[] vy = TensorCodec.decodeDoubles(ty);
            for (int i = 0; i < vx.length; i++) {
                assertThat(Math.abs(vx[i] - vy[i])).as("%s[%d]: %s vs %s", what, i, vx[i], vy[i])
                    .isLessThanOrEqualTo(tolerance);
            }
        } else if (x instanceof Map<?, ?> mx) {
            Map<?, ?> my = (Map<?, ?>) y;
            assertThat(my.keySet()).as(what).isEqualTo(mx.keySet());
            mx.forEach((k, v) -> assertValue(v, my.get(k), tolerance, what + "[" + k + "]"));
        } else if (x instanceof List<?> lx) {
            List<?> ly = (List<?>) y;
            assertThat(ly).as(what).hasSameSizeAs(lx);
            for (int i = 0; i < lx.size(); i++) {
                assertValue(lx.get(i), ly.get(i), tolerance, what + "[" + i + "]");
            }
        } else {
            assertThat(y.toString()).as(what).isEqualTo(x.toString());
        }
    }
}
