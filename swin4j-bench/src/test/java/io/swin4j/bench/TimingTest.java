package io.swin4j.bench;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class TimingTest {

    @Test
    void statisticsComeFromEachCallsOwnTime() {
        // 4 images per call; calls of 10, 20, 40 and 80 ms.
        ThroughputStats s = ThroughputStats.of(4, new double[] {0.080, 0.010, 0.040, 0.020});
        assertThat(s.runs()).isEqualTo(4);
        assertThat(s.latencyP50Ms()).isCloseTo(20, within(1e-9));   // nearest rank: 2nd of 4
        assertThat(s.latencyP95Ms()).isCloseTo(80, within(1e-9));
        assertThat(s.imgPerSec()).isCloseTo(200, within(1e-9));     // 4 / 0.020
        assertThat(s.imgPerSecMin()).isCloseTo(50, within(1e-9));
        assertThat(s.imgPerSecMax()).isCloseTo(400, within(1e-9));
    }

    @Test
    void warmsUpThenRunsAtLeastTheRequestedCalls() {
        AtomicInteger calls = new AtomicInteger();
        ThroughputStats s = Timing.measure(2, 3, 7, 0, calls::incrementAndGet);
        assertThat(calls.get()).isEqualTo(10);
        assertThat(s.runs()).isEqualTo(7);
        assertThat(s.batch()).isEqualTo(2);
    }

    @Test
    void peakResidentMemoryIsReadOnLinux() {
        long now = ProcessMemory.rssBytes(), peak = ProcessMemory.peakRssBytes(); // in this order: RSS may grow between
        if (System.getProperty("os.name").startsWith("Linux")) {
            assertThat(now).isPositive();
            assertThat(peak).isGreaterThanOrEqualTo(now);
        }
    }
}
