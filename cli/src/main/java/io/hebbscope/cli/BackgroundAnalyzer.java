package io.hebbscope.cli;

import io.hebbscope.analyzer.Analyzer;
import io.hebbscope.analyzer.plugin.AnalyzerPlugin;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * An analyzer started on a thread of its own, so that the demo's training need not wait for it (it reads the run
 * from the log, and the live view shows how far behind it is). Closing waits for the start to end, then closes it.
 */
final class BackgroundAnalyzer implements AutoCloseable {
    private final CompletableFuture<Analyzer> started = new CompletableFuture<>();

    BackgroundAnalyzer(Analyzer.Options options, List<AnalyzerPlugin> plugins) {
        Thread t = new Thread(() -> {
            try {
                started.complete(Analyzer.start(options, plugins));
            } catch (Throwable e) {
                started.completeExceptionally(e);
            }
        }, "analyzer-start");
        t.setDaemon(true);
        t.start();
    }

    /** The analyzer once started (not necessarily RUNNING yet); its start's exception as if thrown here. */
    Analyzer awaitStarted() throws InterruptedException {
        try {
            return started.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("the analyzer did not start: " + e.getCause(), e.getCause());
        }
    }

    /** Why the analyzer will not deliver: its start failed or it stopped on an error; null while neither happened. */
    Throwable failure() {
        if (!started.isDone()) {
            return null;
        }
        try {
            return started.join().failure();
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    @Override
    public void close() {
        Analyzer analyzer = started.handle((a, e) -> a).join();
        if (analyzer != null) {
            analyzer.close();
        }
    }
}
