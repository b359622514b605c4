package io.hebbscope.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hebbscope.trainer.ChildJvm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Broadcast's values by hand and against ND4J's own row and column methods, and its survival under collections. */
class BroadcastTest {
    private static INDArray matrix() {
        return Nd4j.createFromArray(new double[][] {{1, 2, 3}, {4, 5, 6}});
    }

    @Test
    void rowOperationsCombineEveryRowWithTheVector() {
        INDArray row = Nd4j.createFromArray(10.0, 20.0, 30.0);
        assertThat(Broadcast.addiRow(matrix(), row).toDoubleMatrix())
                .isEqualTo(new double[][] {{11, 22, 33}, {14, 25, 36}});
        assertThat(Broadcast.subiRow(matrix(), row).toDoubleMatrix())
                .isEqualTo(new double[][] {{-9, -18, -27}, {-6, -15, -24}});
        assertThat(Broadcast.muliRow(matrix(), row).toDoubleMatrix())
                .isEqualTo(new double[][] {{10, 40, 90}, {40, 100, 180}});
        INDArray x = matrix();
        assertThat(Broadcast.subRow(x, row).toDoubleMatrix())
                .isEqualTo(new double[][] {{-9, -18, -27}, {-6, -15, -24}});
        assertThat(Broadcast.mulRow(x, row).toDoubleMatrix()).isEqualTo(new double[][] {{10, 40, 90}, {40, 100, 180}});
        assertThat(x.toDoubleMatrix()).as("the copying forms leave x alone").isEqualTo(matrix().toDoubleMatrix());
    }

    @Test
    void columnOperationsCombineEveryColumnWithTheVector() {
        INDArray column = Nd4j.createFromArray(new double[][] {{10}, {100}});
        INDArray flat = Nd4j.createFromArray(10.0, 100.0);
        assertThat(Broadcast.addiColumn(matrix(), column).toDoubleMatrix())
                .isEqualTo(new double[][] {{11, 12, 13}, {104, 105, 106}});
        assertThat(Broadcast.subiColumn(matrix(), flat).toDoubleMatrix())
                .isEqualTo(new double[][] {{-9, -8, -7}, {-96, -95, -94}});
        assertThat(Broadcast.muliColumn(matrix(), column).toDoubleMatrix())
                .isEqualTo(new double[][] {{10, 20, 30}, {400, 500, 600}});
        INDArray x = matrix();
        assertThat(Broadcast.subColumn(x, flat).toDoubleMatrix())
                .isEqualTo(new double[][] {{-9, -8, -7}, {-96, -95, -94}});
        assertThat(Broadcast.mulColumn(x, column).toDoubleMatrix())
                .isEqualTo(new double[][] {{10, 20, 30}, {400, 500, 600}});
        assertThat(x.toDoubleMatrix()).isEqualTo(matrix().toDoubleMatrix());
    }

    @Test
    void equalsNd4jsOwnMethodsBitForBit() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Nd4j.getRandom().setSeed(7);
            INDArray x = Nd4j.randn(type, 17, 9);
            INDArray row = Nd4j.randn(type, 9);
            INDArray column = Nd4j.randn(type, 17, 1);
            assertSameBits(Broadcast.addiRow(x.dup(), row), x.dup().addiRowVector(row));
            assertSameBits(Broadcast.subiRow(x.dup(), row), x.dup().subiRowVector(row));
            assertSameBits(Broadcast.muliRow(x.dup(), row), x.dup().muliRowVector(row));
            assertSameBits(Broadcast.subRow(x, row), x.subRowVector(row));
            assertSameBits(Broadcast.mulRow(x, row), x.mulRowVector(row));
            assertSameBits(Broadcast.addiColumn(x.dup(), column), x.dup().addiColumnVector(column));
            assertSameBits(Broadcast.subiColumn(x.dup(), column), x.dup().subiColumnVector(column));
            assertSameBits(Broadcast.muliColumn(x.dup(), column), x.dup().muliColumnVector(column));
            assertSameBits(Broadcast.subColumn(x, column), x.subColumnVector(column));
            assertSameBits(Broadcast.mulColumn(x, column), x.mulColumnVector(column));
        }
    }

    private static void assertSameBits(INDArray actual, INDArray expected) {
        assertThat(actual.shape()).isEqualTo(expected.shape());
        assertThat(actual.dataType()).isEqualTo(expected.dataType());
        assertThat(actual.ordering()).isEqualTo('c');
        assertThat(actual.dup('c').data().asDouble()).isEqualTo(expected.dup('c').data().asDouble());
    }

    @Test
    void vectorsOfOneValueAndRowMatrices() {
        INDArray tall = Nd4j.createFromArray(new double[][] {{1}, {2}, {3}});
        assertThat(Broadcast.addiRow(tall, Nd4j.createFromArray(10.0)).toDoubleMatrix())
                .isEqualTo(new double[][] {{11}, {12}, {13}});
        INDArray wide = Nd4j.createFromArray(new double[][] {{1, 2, 3}});
        assertThat(Broadcast.muliColumn(wide, Nd4j.createFromArray(new double[][] {{2}})).toDoubleMatrix())
                .isEqualTo(new double[][] {{2, 4, 6}});
        assertThat(Broadcast.addiRow(matrix(), Nd4j.createFromArray(new double[][] {{10, 20, 30}})).toDoubleMatrix())
                .as("a (1, n) row").isEqualTo(new double[][] {{11, 22, 33}, {14, 25, 36}});
        assertThat(Broadcast.subColumn(Nd4j.createFromArray(new double[][] {{5, 6}}), Nd4j.createFromArray(1.0))
                .toDoubleMatrix()).isEqualTo(new double[][] {{4, 5}});
    }

    @Test
    void rejectsVectorsThatDoNotFitTheMatrix() {
        INDArray x = matrix();
        assertThatThrownBy(() -> Broadcast.addiRow(x, Nd4j.createFromArray(1.0, 2.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a row vector of 3 values is needed for a matrix of shape [2, 3], not shape [2]");
        assertThatThrownBy(() -> Broadcast.addiRow(x, Nd4j.createFromArray(new double[][] {{1}, {2}, {3}})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not shape [3, 1]");
        assertThatThrownBy(() -> Broadcast.mulColumn(x, Nd4j.createFromArray(new double[][] {{1, 2}})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a column vector of 2 values is needed for a matrix of shape [2, 3], not shape [1, 2]");
        assertThat(x.toDoubleMatrix()).isEqualTo(matrix().toDoubleMatrix());
    }

    /**
     * ND4J's own {@code addiRowVector}, or Broadcast without its fence, crashed this JVM within 4-11 s (10,000-30,000
     * ops) every time on the 2-core machine; 100,000 ops through Broadcast take 15-20 s there.
     */
    @Test
    void survivesCollectionsDuringTheNativeCall(@TempDir Path dir) throws IOException, InterruptedException {
        ChildJvm.Result result = ChildJvm.run(dir, List.of("-Xmx256m", "-Xmn4m", "-XX:TieredStopAtLevel=1"), Map.of(),
                BroadcastUnderCollections.class, "100000");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("100000 broadcasts");
    }
}
