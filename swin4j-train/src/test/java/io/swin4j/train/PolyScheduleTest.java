package io.swin4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The poly schedule with linear warm-up against mmcv 1.x's PolyLrUpdaterHook run by iteration (fixtures/seg_augment/schedule.json). */
class PolyScheduleTest {

    @Test
    void equalsMmcvPolyLrUpdaterHookWithLinearWarmup() {
        JsonNode cases = Fixtures.json(Fixtures.root().resolve("seg_augment").resolve("schedule.json"));
        int checked = 0;
        for (JsonNode c : cases) {
            PolySchedule s = new PolySchedule(c.get("baseLr").asDouble(), c.get("maxIters").asLong(), c.get("power").asDouble(),
                    c.get("minLr").asDouble(), c.get("warmupIters").asLong(), c.get("warmupRatio").asDouble());
            for (int i = 0; i < c.get("iters").size(); i++) {
                long t = c.get("iters").get(i).asLong();
                double expected = c.get("lr").get(i).asDouble();
                assertThat(s.lr(t)).as("lr at iteration %d of %s", t, c).isCloseTo(expected, within(1e-12 * Math.abs(expected) + 1e-300));
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(200);
    }

    @Test
    void warmupScalesThePolyRateAndEndsAtIt() {
        PolySchedule s = new PolySchedule(6e-5, 160_000, 1.0, 0, 1500, 1e-6);
        assertThat(s.lr(0)).isCloseTo(6e-5 * 1e-6, within(1e-20));
        assertThat(s.lr(1500)).isEqualTo(6e-5 * (1 - 1500.0 / 160_000));
        assertThat(s.lr(1499)).isLessThan(s.lr(1500));
        assertThatThrownBy(() -> new PolySchedule(1, 0, 1, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
