package io.hebbscope.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.hebbscope.schema.LayerAlignment;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The live view's analysis lag and text, on given publish times and a given clock. */
class ProgressDisplayTest {

    static LayerAlignment signalEwma(String layer, long step, Double ewma) {
        return LayerAlignment.newBuilder().setRunId("r").setLayer(layer).setLayerIndex(0).setStep(step).setEpoch(0)
            .setSignalEwma(ewma).setGradientNorm(1).setSignalNorm(1).setUpdateNorm(1).setHebbianNorm(1)
            .setHebbianNeurons(0).setAntiHebbianNeurons(0).setNeutralNeurons(0).setUndefinedNeurons(0).build();
    }

    @Test
    void lagIsMeasuredFromTheOldestPublishedStepNotYetAnalyzedAndGrowsWhileTheAnalysisStalls() {
        PublishedSteps published = new PublishedSteps();
        for (long step = 0; step < 10; step++) {
            published.published(step, 1_000 + 100 * step);
        }
        assertThat(published.lag(-1, 2_500)).isEqualTo(new PublishedSteps.Lag(10, 1.5));
        assertThat(published.lag(4, 2_500)).isEqualTo(new PublishedSteps.Lag(5, 1.0));   // step 5 published at 1500
        assertThat(published.lag(4, 7_500)).isEqualTo(new PublishedSteps.Lag(5, 6.0));   // stalled: the seconds go on
        assertThat(published.lag(9, 7_500)).isEqualTo(new PublishedSteps.Lag(0, 0));
        assertThat(published.lag(9, 7_500).caughtUp()).isTrue();
    }

    @Test
    void withPublishEveryNTheLagCountsTrainingStepsUpToTheNewestPublishedOne() {
        PublishedSteps published = new PublishedSteps();
        for (long step = 0; step <= 20; step += 10) {
            published.published(step, 1_000 + 10 * step);   // 0 at 1000, 10 at 1100, 20 at 1200
        }
        assertThat(published.newest()).isEqualTo(20);
        assertThat(published.lag(0, 1_300)).isEqualTo(new PublishedSteps.Lag(20, 0.2));
        assertThat(published.lag(10, 1_300)).isEqualTo(new PublishedSteps.Lag(10, 0.1));
        assertThat(published.lag(20, 1_300).caughtUp()).isTrue();
    }

    @Test
    void theTextNamesTheStepTheAlignmentBelongsToAndHowFarBehindItIs() {
        List<String> layers = List.of("layer0", "layer1");
        assertThat(ProgressDisplay.analysisStatus(-1, new PublishedSteps.Lag(0, 0), layers, List.of()))
            .isEqualTo("analysis not started");
        assertThat(ProgressDisplay.analysisStatus(-1, new PublishedSteps.Lag(79, 3.24), layers, List.of()))
            .isEqualTo("analysis not started, 79 steps / 3.2 s behind");
        List<LayerAlignment> at61 = List.of(signalEwma("layer0", 61, -0.1304), signalEwma("layer1", 61, 0.02));
        assertThat(ProgressDisplay.analysisStatus(61, new PublishedSteps.Lag(17, 0.94), layers, at61))
            .isEqualTo("analysis at step 61, 17 steps / 0.9 s behind: g·H~ layer0 -0.130 layer1 +0.020");
        assertThat(ProgressDisplay.analysisStatus(61, new PublishedSteps.Lag(400, 42.4), layers, at61))
            .isEqualTo("analysis at step 61, 400 steps / 42 s behind: g·H~ layer0 -0.130 layer1 +0.020");
        assertThat(ProgressDisplay.analysisStatus(78, new PublishedSteps.Lag(0, 0), layers,
            Arrays.asList(signalEwma("layer0", 78, null), null)))
            .isEqualTo("analysis at step 78, caught up: g·H~ layer0   n/a layer1   n/a");
    }

    @Test
    void theLineShowsAtMostFourLayers() {
        List<String> layers = List.of("l0", "l1", "l2", "l3", "l4", "l5");
        List<LayerAlignment> shown = layers.subList(0, 4).stream().map(l -> signalEwma(l, 3, 0.5)).toList();
        assertThat(ProgressDisplay.analysisStatus(3, new PublishedSteps.Lag(1, 0.1), layers, shown))
            .isEqualTo("analysis at step 3, 1 step / 0.1 s behind: g·H~ l0 +0.500 l1 +0.500 l2 +0.500 l3 +0.500 …");
    }
}
