package io.hebbscope.trainer.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
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
            assertThat(Broadcast.addiRow(x.dup(), row)).isEqualTo(x.dup().addiRowVector(row));
            assertThat(Broadcast.subiRow(x.dup(), row)).isEqualTo(x.dup().subiRowVector(row));
            assertThat(Broadcast.muliRow(x.dup(), row)).isEqualTo(x.dup().muliRowVector(row));
            assertThat(Broadcast.subRow(x, row)).isEqualTo(x.subRowVector(row));
            assertThat(Broadcast.mulRow(x, row)).isEqualTo(x.mulRowVector(row));
            assertThat(Broadcast.addiColumn(x.dup(), column)).isEqualTo(x.dup().addiColumnVector(column));
            assertThat(Broadcast.subiColumn(x.dup(), column)).isEqualTo(x.dup().subiColumnVector(column));
            assertThat(Broadcast.muliColumn(x.dup(), column)).isEqualTo(x.dup().muliColumnVector(column));
            assertThat(Broadcast.subColumn(x, column)).isEqualTo(x.subColumnVector(column));
            assertThat(Broadcast.mulColumn(x, column)).isEqualTo(x.mulColumnVector(column));
        }
    }

    /**
     * ND4J's own {@code addiRowVector}, or Broadcast without its fence, crashed this JVM within 4-8 s (10,000-30,000
     * ops) every time on the 2-core machine; 100,000 ops through Broadcast take 15-20 s there.
     */
    @Test
    void survivesCollectionsDuringTheNativeCall(@TempDir Path dir) throws IOException, InterruptedException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-Xmn4m", "-XX:TieredStopAtLevel=1", "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"),
                "-cp", System.getProperty("java.class.path"), BroadcastUnderCollections.class.getName(), "100000");
        Process child = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = child.waitFor();
        assertThat(exit).as(output).isZero();
        assertThat(output).contains("100000 broadcasts");
    }
}
