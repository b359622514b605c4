package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hebbscope.trainer.RunSummary;
import io.hebbscope.trainer.ThreadPriority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The training beside an in-process analyzer runs on a thread of its own at a lower OS priority. */
class YieldingTrainingTest {

    private static RunSummary summary(String status) {
        return new RunSummary("r", 3, 0.1, null, status);
    }

    @Test
    void trainsAtTheYieldingNiceWhileTheCallerKeepsItsOwn() {
        assumeTrue(Files.isSymbolicLink(Path.of("/proc/thread-self")), "Linux only");
        OptionalInt caller = ThreadPriority.currentNice();
        assumeTrue(caller.isPresent() && caller.getAsInt() < ThreadPriority.YIELDING_NICE);
        AtomicReference<OptionalInt> training = new AtomicReference<>();
        AtomicReference<String> name = new AtomicReference<>();

        RunSummary result = TrainingSession.onYieldingThread(() -> {
            training.set(ThreadPriority.currentNice());
            name.set(Thread.currentThread().getName());
            return summary("completed");
        });

        assertThat(result.status()).isEqualTo("completed");
        assertThat(training.get()).hasValue(ThreadPriority.YIELDING_NICE);
        assertThat(name.get()).isEqualTo("hebbscope-trainer");
        assertThat(ThreadPriority.currentNice()).isEqualTo(caller);
    }

    @Test
    void theTrainingsExceptionIsRethrownAsItWas() {
        assertThatThrownBy(() -> TrainingSession.onYieldingThread(() -> {
            throw new IllegalArgumentException("a listener failed");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("a listener failed");
    }

    @Test
    void anInterruptOfTheCallerStopsTheTrainingAndStaysSet() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<RunSummary> returned = new AtomicReference<>();
        AtomicReference<Boolean> flagAfter = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            returned.set(TrainingSession.onYieldingThread(() -> {
                started.countDown();
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.onSpinWait(); // a training loop checks its flag between steps
                }
                return summary("interrupted");
            }));
            flagAfter.set(Thread.currentThread().isInterrupted());
        });
        caller.start();
        started.await();
        caller.interrupt();
        caller.join(60_000);

        assertThat(caller.isAlive()).isFalse();
        assertThat(returned.get().status()).isEqualTo("interrupted");
        assertThat(flagAfter.get()).isTrue();
    }
}
