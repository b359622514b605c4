package io.hebbscope.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ThreadPriorityTest {

    /** Runs {@code body} on a thread of its own: a lowered nice value cannot be raised back without privileges. */
    private static <T> T onNewThread(java.util.function.Supplier<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(body.get());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        t.start();
        t.join();
        return result.get();
    }

    @Test
    void lowersOnlyTheCallingThreadAndTheThreadsItStartsAfterwards() throws Exception {
        assumeTrue(Files.isSymbolicLink(Path.of("/proc/thread-self")), "Linux only");
        OptionalInt caller = ThreadPriority.currentNice();
        assertThat(caller).isPresent();
        assumeTrue(caller.getAsInt() < 7, "the test JVM already runs at nice " + caller);

        int[] seen = onNewThread(() -> {
            boolean lowered = ThreadPriority.lowerCurrentThread(7);
            int own = ThreadPriority.currentNice().orElse(-100);
            int child;
            try {
                child = onNewThread(() -> ThreadPriority.currentNice().orElse(-100));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return new int[] {lowered ? 1 : 0, own, child};
        });

        assertThat(seen[0]).as("renice succeeded").isEqualTo(1);
        assertThat(seen[1]).as("the lowered thread").isEqualTo(7);
        assertThat(seen[2]).as("a thread it started").isEqualTo(7);
        assertThat(ThreadPriority.currentNice()).as("the caller's thread is untouched").isEqualTo(caller);
    }
}
