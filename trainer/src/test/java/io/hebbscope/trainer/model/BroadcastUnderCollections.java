package io.hebbscope.trainer.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs row and column broadcasts while a second thread churns the heap so that young collections (and ND4J's
 * deallocator) run during the native calls; a child JVM of BroadcastTest, which sizes its young generation small.
 */
public final class BroadcastUnderCollections {
    private static volatile Object sink;

    private BroadcastUnderCollections() {}

    public static void main(String[] args) {
        long count = Long.parseLong(args[0]);
        Thread churn = new Thread(() -> {
            while (true) {
                sink = new byte[4096];
            }
        }, "heap-churn");
        churn.setDaemon(true);
        churn.start();
        INDArray x = Nd4j.rand(32, 64);
        INDArray row = Nd4j.rand(1, 64);
        INDArray column = Nd4j.rand(32, 1);
        for (long i = 0; i < count; i++) {
            if (i % 2 == 0) {
                Broadcast.addiRow(x, row);
            } else {
                Broadcast.subiColumn(x, column);
            }
        }
        System.out.println(count + " broadcasts");
    }
}
