package io.swin4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.infer.SwinPredictor;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static io.swin4j.serve.SwinServerTest.JSON;
import static io.swin4j.serve.SwinServerTest.SAMPLES;
import static io.swin4j.serve.SwinServerTest.get;
import static io.swin4j.serve.SwinServerTest.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A server over a predictor on the onnxruntime engine (swin4j-onnx found on the class path) answers /v1/classify and
 * /v1/embed as the libtorch one does on every sample, says which engine it runs, and refuses attention maps naming
 * the engine that has them.
 */
class SwinServerEngineTest {

    @Test
    void onnxRuntimeServerAnswersAsTheLibtorchOne() throws Exception {
        List<Path> samples;
        try (Stream<Path> s = Files.list(SAMPLES)) {
            samples = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        assertThat(samples).hasSizeGreaterThanOrEqualTo(10);
        try (SwinPredictor torch = SwinPredictor.builder().build();
             SwinPredictor ort = SwinPredictor.builder().optEngine("onnxruntime").optThreads(1).build();
             SwinServer a = SwinServer.start(torch, ServeOptions.defaults().optPort(0));
             SwinServer b = SwinServer.start(ort, ServeOptions.defaults().optPort(0))) {
            assertThat(JSON.readTree(get(a, "v1/model").body()).get("engine").asText()).isEqualTo("libtorch");
            JsonNode model = JSON.readTree(get(b, "v1/model").body());
            assertThat(model.get("engine").asText()).isEqualTo("onnxruntime");
            assertThat(model.get("attentionMaps").asBoolean()).isFalse();
            for (Path p : samples) {
                byte[] png = Files.readAllBytes(p);
                HttpResponse<byte[]> ra = post(a, "v1/classify?top_k=5", png, "image/png");
                HttpResponse<byte[]> rb = post(b, "v1/classify?top_k=5", png, "image/png");
                assertThat(rb.statusCode()).as(p + ": " + new String(rb.body())).isEqualTo(200);
                JsonNode want = JSON.readTree(ra.body()).at("/results/0/top_k");
                JsonNode got = JSON.readTree(rb.body()).at("/results/0/top_k");
                assertThat(got).as(p.toString()).hasSize(5);
                for (int i = 0; i < 5; i++) {
                    assertThat(got.get(i).get("label").asText()).as(p + " rank " + i)
                            .isEqualTo(want.get(i).get("label").asText());
                    double pw = want.get(i).get("probability").asDouble();
                    assertThat(got.get(i).get("probability").asDouble()).as(p + " rank " + i)
                            .isCloseTo(pw, within(1e-5 * Math.max(pw, 1e-3)));
                }
            }
            byte[] png = Files.readAllBytes(samples.get(0));
            JsonNode ea = JSON.readTree(post(a, "v1/embed", png, "image/png").body()).at("/results/0/embedding");
            JsonNode eb = JSON.readTree(post(b, "v1/embed", png, "image/png").body()).at("/results/0/embedding");
            assertThat(eb).hasSize(ea.size()).isNotEmpty();
            for (int d = 0; d < ea.size(); d++) {
                assertThat(eb.get(d).asDouble()).as("embedding " + d).isCloseTo(ea.get(d).asDouble(), within(1e-4));
            }
            HttpResponse<byte[]> attention = post(b, "v1/attention?stage=0&block=1", png, "image/png");
            assertThat(attention.statusCode()).isEqualTo(400);
            JsonNode error = JSON.readTree(attention.body());
            assertThat(error.get("error").asText()).isEqualTo("no_attention");
            assertThat(error.get("message").asText()).contains("on onnxruntime").contains("--engine libtorch");
        }
    }
}
