package io.swin4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.infer.Segmentation;
import io.swin4j.infer.SegmentationPredictor;
import io.swin4j.infer.SwinPredictor;
import io.swin4j.testing.TinySegmenters;
import io.swin4j.vision.ImageDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static io.swin4j.serve.SwinServerTest.MULTIPART;
import static io.swin4j.serve.SwinServerTest.get;
import static io.swin4j.serve.SwinServerTest.json;
import static io.swin4j.serve.SwinServerTest.multipart;
import static io.swin4j.serve.SwinServerTest.post;
import static org.assertj.core.api.Assertions.assertThat;

/** A segmentation model behind the server: /v1/segment as JSON and as a label PNG, /v1/model, refusals, metrics. */
class SegmentServerTest {

    @TempDir
    static Path tmp;
    static SegmentationPredictor predictor;
    static SwinServer server;
    static byte[] street, square;

    @BeforeAll
    static void start() throws Exception {
        Path weights = TinySegmenters.write(tmp.resolve("tiny_upernet.safetensors"), 5);
        street = Files.readAllBytes(TinySegmenters.png(tmp.resolve("street.png"), 53, 37, 1));
        square = Files.readAllBytes(TinySegmenters.png(tmp.resolve("square.png"), 32, 32, 2));
        predictor = SegmentationPredictor.builder(weights).build();
        server = SwinServer.start(predictor, ServeOptions.defaults().optPort(0));
    }

    @AfterAll
    static void stop() {
        server.close();
        predictor.close();
    }

    static byte[] labels(byte[] png) throws Exception {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        return ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
    }

    static Segmentation direct(byte[] image) throws Exception {
        return predictor.segment(new ImageDecoder().decode(image, "x"));
    }

    @Test
    void segmentsAMultipartRequestWithABadImageInPlace() throws Exception {
        HttpResponse<byte[]> r = post(server, "v1/segment", multipart("street.png", street, "broken.png", new byte[5],
                "square.png", square), MULTIPART);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode results = json(r).get("results");
        assertThat(results).hasSize(3);
        JsonNode first = results.get(0);
        java.util.List<String> fields = new java.util.ArrayList<>();
        first.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("name", "width", "height", "classes", "label_png");
        assertThat(first.get("name").asText()).isEqualTo("street.png");
        assertThat(first.get("width").asInt()).isEqualTo(53);
        assertThat(first.get("height").asInt()).isEqualTo(37);
        Segmentation want = direct(street);
        assertThat(labels(Base64.getDecoder().decode(first.get("label_png").asText()))).isEqualTo(want.labels().labels());
        assertThat(first.get("classes").get(0).get("index").asInt()).isEqualTo(want.classes().get(0).index());
        assertThat(first.get("classes").get(0).get("fraction").asDouble()).isEqualTo(want.classes().get(0).fraction());
        assertThat(first.get("classes").get(0).get("color").asText()).startsWith("#").hasSize(7);
        assertThat(results.get(1).get("error").asText()).startsWith("broken.png: ");
        assertThat(results.get(2).get("width").asInt()).isEqualTo(32);
        assertThat(labels(Base64.getDecoder().decode(results.get(2).get("label_png").asText())))
                .isEqualTo(direct(square).labels().labels());
    }

    @Test
    void answersTheLabelPngOfARawImage() throws Exception {
        HttpResponse<byte[]> r = post(server, "v1/segment", street, "image/png", "Accept", "image/png");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(labels(r.body())).isEqualTo(direct(street).labels().labels());

        HttpResponse<byte[]> two = post(server, "v1/segment", multipart("a.png", street, "b.png", square), MULTIPART,
                "Accept", "image/png");
        assertThat(two.statusCode()).isEqualTo(400);
        assertThat(json(two).get("error").asText()).isEqualTo("one_image");
        HttpResponse<byte[]> bad = post(server, "v1/segment", new byte[7], "image/png", "Accept", "image/png");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("error").asText()).isEqualTo("bad_image");
    }

    @Test
    void describesTheModelAndRefusesTheClassifierRoutes() throws Exception {
        JsonNode m = json(get(server, "v1/model"));
        assertThat(m.get("task").asText()).isEqualTo("segmentation");
        assertThat(m.get("classes")).hasSize(5);
        assertThat(m.get("classes").get(1).asText()).isEqualTo("road");
        assertThat(m.get("palette").get(1).asText()).isEqualTo("#804080");
        assertThat(m.get("mode").get("kind").asText()).isEqualTo("whole");
        assertThat(m.get("head").get("channels").asInt()).isEqualTo(16);
        for (String route : new String[] {"v1/classify", "v1/embed", "v1/attention"}) {
            HttpResponse<byte[]> r = post(server, route, street, "image/png");
            assertThat(r.statusCode()).as(route).isEqualTo(400);
            assertThat(json(r).get("error").asText()).isEqualTo("not_a_classifier");
            assertThat(json(r).get("message").asText()).contains("/v1/segment");
        }
        post(server, "v1/segment", street, "image/png");
        String metrics = new String(get(server, "metrics").body(), StandardCharsets.UTF_8);
        assertThat(metrics).contains("swin4j_http_requests_total{route=\"segment\",status=\"200\"}");
        HttpResponse<byte[]> page = get(server, "segment.js");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(new String(page.body(), StandardCharsets.UTF_8)).contains("v1/segment").contains("opacity");
        assertThat(new String(get(server, "").body(), StandardCharsets.UTF_8)).contains("segment.js");
    }

    @Test
    void aClassifierServerRefusesSegment() throws Exception {
        try (SwinPredictor classifier = SwinPredictor.builder().build();
             SwinServer s = SwinServer.start(classifier, ServeOptions.defaults().optPort(0))) {
            HttpResponse<byte[]> r = post(s, "v1/segment", street, "image/png");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(json(r).get("error").asText()).isEqualTo("not_a_segmenter");
        }
    }
}
