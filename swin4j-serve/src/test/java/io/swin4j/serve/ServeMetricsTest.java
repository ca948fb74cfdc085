package io.swin4j.serve;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ServeMetricsTest {

    @Test
    void rateMeterCountsTheLastWholeSeconds() {
        ServeMetrics.RateMeter m = new ServeMetrics.RateMeter(10);
        m.add(30, 100);
        m.add(20, 105);
        m.add(99, 110); // the current second, still filling: not counted
        assertThat(m.perSecond(110)).isEqualTo(5.0);
        assertThat(m.perSecond(111)).as("second 100 left the window, 110 entered").isCloseTo(11.9, within(1e-9));
        assertThat(m.perSecond(200)).isZero();
    }

    @Test
    void writesPrometheusTextWithBatchSizeBucketsUpToMaxBatch() throws Exception {
        ServeMetrics m = new ServeMetrics(() -> 7, 12);
        m.request("classify", 200, 30_000_000L);
        m.request("classify", 503, 1_000_000L);
        m.batch(5, 10_000_000L);
        m.images("ok", 5);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.write(out);
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("swin4j_http_requests_total{route=\"classify\",status=\"200\"} 1.0")
                .contains("swin4j_http_requests_total{route=\"classify\",status=\"503\"} 1.0")
                .contains("swin4j_batch_size_bucket{le=\"4.0\"} 0").contains("swin4j_batch_size_bucket{le=\"8.0\"} 1")
                .contains("swin4j_batch_size_bucket{le=\"16.0\"} 1").doesNotContain("le=\"32.0\"")
                .contains("swin4j_queue_depth 7.0").contains("swin4j_images_total{outcome=\"ok\"} 5.0")
                .contains("swin4j_http_request_duration_seconds_bucket{route=\"classify\",le=\"0.05\"} 2");
    }
}
