package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.hebbscope.trainer.StepRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The pacer's decisions, on a lag that the test moves (no broker, no clock-sensitive bounds). */
class AnalysisPacerTest {
    private final AtomicReference<PublishedSteps.Lag> lag = new AtomicReference<>(new PublishedSteps.Lag(0, 0));
    private final AtomicLong analyzed = new AtomicLong(-1);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final StringWriter text = new StringWriter();

    private AnalysisPacer pacer(Duration maxLag, Duration stallAfter) {
        return new AnalysisPacer(maxLag, stallAfter, lag::get, analyzed::get, failure::get, new PrintWriter(text, true));
    }

    private static StepRecord step(long n) {
        return new StepRecord(n, 0, 0.1, null, 0.01, new double[0], List.of(), null);
    }

    @Test
    void withinTheBoundTrainingIsNotHeld() {
        AnalysisPacer pacer = pacer(Duration.ofSeconds(1), Duration.ofMinutes(1));
        lag.set(new PublishedSteps.Lag(40, 0.9));
        pacer.onStep(step(40));
        assertThat(pacer.holds()).isZero();
        assertThat(pacer.held()).isZero();
        assertThat(pacer.largestLagSeconds()).isEqualTo(0.9);
    }

    @Test
    void beyondTheBoundTrainingWaitsUntilTheAnalysisIsBackWithinHalf() throws Exception {
        AnalysisPacer pacer = pacer(Duration.ofSeconds(1), Duration.ofMinutes(1));
        lag.set(new PublishedSteps.Lag(120, 1.5));
        CompletableFuture<Void> training = CompletableFuture.runAsync(() -> pacer.onStep(step(120)));
        Thread.sleep(50);
        lag.set(new PublishedSteps.Lag(70, 0.7)); // within the bound, not yet within half of it
        analyzed.set(50);
        Thread.sleep(50);
        assertThat(training).isNotDone();
        lag.set(new PublishedSteps.Lag(30, 0.4));
        analyzed.set(90);
        training.get(1, TimeUnit.MINUTES);
        assertThat(pacer.holds()).isEqualTo(1);
        assertThat(pacer.held()).isGreaterThanOrEqualTo(Duration.ofMillis(100));
        assertThat(text.toString()).isEmpty();
    }

    @Test
    void anAnalysisThatStopsAdvancingIsNoLongerWaitedFor() {
        AnalysisPacer pacer = pacer(Duration.ofSeconds(1), Duration.ofMillis(200));
        lag.set(new PublishedSteps.Lag(500, 30));
        pacer.onStep(step(500));
        assertThat(text.toString()).contains("the analysis has not advanced for 0.2 s: training goes on without waiting for it");
        pacer.onStep(step(501));
        assertThat(pacer.holds()).isEqualTo(1);
    }

    @Test
    void aFailedAnalyzerReleasesTheTraining() {
        AnalysisPacer pacer = pacer(Duration.ofSeconds(1), Duration.ofMinutes(1));
        lag.set(new PublishedSteps.Lag(500, 30));
        failure.set(new IllegalStateException("boom"));
        pacer.onStep(step(500));
        assertThat(pacer.holds()).isEqualTo(1);
    }

    @Test
    void theBoundMustBePositive() {
        assertThatThrownBy(() -> pacer(Duration.ZERO, Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
    }
}
