package io.swin4j.train;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** mIoU and friends on a small example worked out by hand (mmseg's IoUMetric definitions). */
class SegmentationMetricsTest {

    @Test
    void scoresAreSummedOverImagesThenDivided() {
        SegmentationMetrics m = new SegmentationMetrics(List.of("bg", "a", "b", "never"), 255);
        // image 1: labels 0 0 1 1 255, predictions 0 1 1 1 2 (the ignored pixel's prediction does not count)
        m.add(new int[] {0, 1, 1, 1, 2}, new int[] {0, 0, 1, 1, 255});
        // image 2: labels 2 2 1, predictions 2 0 1
        m.add(new int[] {2, 0, 1}, new int[] {2, 2, 1});
        // confusion (label row, prediction column): bg: [1, 1, 0]; a: [0, 3, 0]; b: [1, 0, 1]
        assertThat(m.confusion()[0]).containsExactly(1, 1, 0, 0);
        assertThat(m.confusion()[1]).containsExactly(0, 3, 0, 0);
        assertThat(m.confusion()[2]).containsExactly(1, 0, 1, 0);
        // IoU bg = 1 / (2 + 2 - 1) = 1/3; a = 3 / (3 + 4 - 3) = 3/4; b = 1 / (2 + 1 - 1) = 1/2; never: NaN
        double[] iou = m.iou();
        assertThat(iou[0]).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(iou[1]).isCloseTo(0.75, within(1e-12));
        assertThat(iou[2]).isCloseTo(0.5, within(1e-12));
        assertThat(iou[3]).isNaN();
        assertThat(m.meanIou()).isCloseTo((1.0 / 3 + 0.75 + 0.5) / 3, within(1e-12));
        // Acc bg = 1/2, a = 3/3, b = 1/2; aAcc = 5 correct of 7 labelled
        assertThat(m.accuracy()[0]).isCloseTo(0.5, within(1e-12));
        assertThat(m.meanAccuracy()).isCloseTo((0.5 + 1 + 0.5) / 3, within(1e-12));
        assertThat(m.pixelAccuracy()).isCloseTo(5.0 / 7, within(1e-12));
        assertThat(m.toMap()).containsKeys("aAcc", "mIoU", "mAcc", "perClass");
        assertThat(((Map<?, ?>) m.toMap().get("perClass")).get("never")).isEqualTo(Map.of("IoU", "n/a", "Acc", "n/a"));
    }

    @Test
    void badInputsAreRefused() {
        SegmentationMetrics m = new SegmentationMetrics(List.of("bg", "a"), 255);
        assertThat(m.pixelAccuracy()).isNaN();
        assertThatThrownBy(() -> m.add(new int[2], new int[3])).hasMessageContaining("2 predicted pixels for 3 labelled");
        assertThatThrownBy(() -> m.add(new int[] {0, 5}, new int[] {0, 1})).hasMessageContaining("pixel 1: label 1, prediction 5 outside [0, 2)");
        assertThatThrownBy(() -> m.add(new int[] {0}, new int[] {7})).hasMessageContaining("pixel 0: label 7");
    }
}
