package io.swin4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.infer.Prediction;
import io.swin4j.infer.SwinPredictor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/** Every route and every error status over loopback, on the bundled Fashion-MNIST model. */
class SwinServerTest {

    static final Path SAMPLES = Path.of("..", "samples");
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newHttpClient();
    static SwinPredictor predictor;
    static SwinServer server;

    @BeforeAll
    static void start() throws Exception {
        predictor = SwinPredictor.builder().build();
        server = SwinServer.start(predictor, ServeOptions.defaults().optPort(0));
    }

    @AfterAll
    static void stop() {
        server.close();
        predictor.close();
    }

    static byte[] sample(String name) throws Exception {
        return Files.readAllBytes(SAMPLES.resolve(name));
    }

    static HttpResponse<byte[]> post(SwinServer s, String path, byte[] body, String contentType, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.uri().resolve(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) b.header("Content-Type", contentType);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static HttpResponse<byte[]> get(SwinServer s, String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(s.uri().resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode json(HttpResponse<byte[]> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return JSON.readTree(r.body());
    }

    static final String BOUNDARY = "swin4jTestBoundary";

    static byte[] multipart(Object... filenameAndData) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < filenameAndData.length; i += 2) {
            out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\""
                    + filenameAndData[i] + "\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes((byte[]) filenameAndData[i + 1]);
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    static final String MULTIPART = "multipart/form-data; boundary=" + BOUNDARY;

    /** A valid PNG header claiming 100000×100000 pixels and no pixel data: a decompression bomb's signature. */
    static byte[] bombPng() {
        return io.swin4j.vision.HostileImages.pngHeaderOnly(100_000, 100_000);
    }

    @Test
    void classifiesARawImageAsThePredictorDoes() throws Exception {
        HttpResponse<byte[]> r = post(server, "v1/classify?top_k=3", sample("0000-ankle-boot.png"), "image/png");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode top = json(r).get("results").get(0).get("top_k");
        List<Prediction> want = predictor.classify(SAMPLES.resolve("0000-ankle-boot.png"), 3);
        assertThat(top).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(top.get(i).get("label").asText()).isEqualTo(want.get(i).label());
            assertThat(top.get(i).get("probability").asDouble()).isCloseTo(want.get(i).probability(), within(1e-6));
        }
        assertThat(top.get(0).get("label").asText()).isEqualTo("Ankle boot");
    }

    @Test
    void aBadImageInAMultipartRequestFailsOnlyItsEntry() throws Exception {
        byte[] good = sample("0001-pullover.png");
        byte[] truncated = Arrays.copyOf(sample("0002-trouser.png"), 60);
        HttpResponse<byte[]> r = post(server, "v1/classify", multipart("pullover.png", good, "broken.png", truncated,
                "bomb.png", bombPng(), "trouser.png", sample("0002-trouser.png")), MULTIPART);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode results = json(r).get("results");
        assertThat(results).hasSize(4);
        assertThat(results.get(0).get("top_k").get(0).get("label").asText()).isEqualTo("Pullover");
        assertThat(results.get(1).get("error").asText()).startsWith("broken.png: ").contains("corrupt or truncated");
        assertThat(results.get(2).get("error").asText()).startsWith("bomb.png: ").contains("decompression bomb");
        assertThat(results.get(3).get("top_k").get(0).get("label").asText()).isEqualTo("Trouser");
    }

    @Test
    void refusesBadRawBodiesAndParametersWith400NamingTheReason() throws Exception {
        HttpResponse<byte[]> notImage = post(server, "v1/classify", "hello".getBytes(StandardCharsets.UTF_8), "text/plain");
        assertThat(notImage.statusCode()).isEqualTo(400);
        assertThat(json(notImage).get("error").asText()).isEqualTo("bad_image");
        assertThat(json(notImage).get("message").asText()).contains("body: unsupported image format");

        HttpResponse<byte[]> bomb = post(server, "v1/classify", bombPng(), "image/png");
        assertThat(bomb.statusCode()).isEqualTo(400);
        assertThat(json(bomb).get("message").asText()).contains("100000x100000").contains("decompression bomb");

        HttpResponse<byte[]> empty = post(server, "v1/classify", new byte[0], "image/png");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(json(empty).get("error").asText()).isEqualTo("empty_body");

        HttpResponse<byte[]> topK = post(server, "v1/classify?top_k=11", sample("0000-ankle-boot.png"), "image/png");
        assertThat(topK.statusCode()).isEqualTo(400);
        assertThat(json(topK).get("message").asText()).contains("top_k=11").contains("[1, 10]");

        HttpResponse<byte[]> allBad = post(server, "v1/classify", multipart("a.png", new byte[]{1, 2}), MULTIPART);
        assertThat(allBad.statusCode()).isEqualTo(400);
        assertThat(json(allBad).get("results").get(0).get("error").asText()).startsWith("a.png: ");

        HttpResponse<byte[]> badMultipart = post(server, "v1/classify", "junk".getBytes(StandardCharsets.UTF_8), MULTIPART);
        assertThat(badMultipart.statusCode()).isEqualTo(400);
        assertThat(json(badMultipart).get("error").asText()).isEqualTo("bad_multipart");
    }

    @Test
    void embedsAsJsonOrAsLittleEndianFloat32() throws Exception {
        byte[] image = sample("0013-dress.png");
        float[] want = predictor.embed(SAMPLES.resolve("0013-dress.png"));
        JsonNode e = json(post(server, "v1/embed", image, "image/png")).get("results").get(0).get("embedding");
        assertThat(e).hasSize(want.length);
        HttpResponse<byte[]> bin = post(server, "v1/embed", multipart("a.png", image, "b.png", image), MULTIPART,
                "Accept", "application/octet-stream");
        assertThat(bin.statusCode()).isEqualTo(200);
        assertThat(bin.headers().firstValue("X-Embedding-Count")).hasValue("2");
        assertThat(bin.headers().firstValue("X-Embedding-Dim")).hasValue(Integer.toString(want.length));
        ByteBuffer buf = ByteBuffer.wrap(bin.body()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bin.body()).hasSize(2 * want.length * 4);
        for (int i = 0; i < 2 * want.length; i++) {
            float v = buf.getFloat();
            assertThat(v).isCloseTo(want[i % want.length], within(1e-5f));
            if (i < want.length) assertThat(e.get(i).floatValue()).isCloseTo(v, within(1e-5f)); // batch of 1 vs 2: last bits differ
        }
        HttpResponse<byte[]> badBin = post(server, "v1/embed", multipart("a.png", image, "b.png", new byte[3]), MULTIPART,
                "Accept", "application/octet-stream");
        assertThat(badBin.statusCode()).isEqualTo(400);
        assertThat(json(badBin).get("message").asText()).startsWith("b.png: ");
    }

    @Test
    void describesTheModelAndAnswersHealthReadinessAndNotFoundAndWrongMethod() throws Exception {
        JsonNode m = json(get(server, "v1/model"));
        assertThat(m.get("name").asText()).isEqualTo(predictor.config().name());
        assertThat(m.get("classes")).hasSize(10);
        assertThat(m.get("classes").get(9).asText()).isEqualTo("Ankle boot");
        assertThat(m.get("architecture").get("depths").toString()).isEqualTo("[2,2]");
        assertThat(m.get("preset").get("width").asInt()).isEqualTo(32);

        assertThat(get(server, "healthz").statusCode()).isEqualTo(200);
        assertThat(json(get(server, "readyz")).get("status").asText()).isEqualTo("ready");

        HttpResponse<byte[]> missing = get(server, "v1/classifyx");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(json(missing).get("message").asText()).contains("no route /v1/classifyx");

        HttpResponse<byte[]> wrong = get(server, "v1/classify");
        assertThat(wrong.statusCode()).isEqualTo(405);
        assertThat(wrong.headers().firstValue("Allow")).hasValue("POST");
        assertThat(post(server, "v1/model", new byte[1], "image/png").statusCode()).isEqualTo(405);

        HttpResponse<byte[]> page = get(server, "");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(new String(page.body(), StandardCharsets.UTF_8)).contains("<canvas id=\"overlay\"");
        assertThat(get(server, "app.js").headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
    }

    @Test
    void attentionGivesTheShiftedWindowsAndOneHeadsProbabilities() throws Exception {
        HttpResponse<byte[]> r = post(server, "v1/attention?stage=0&block=1&head=1", sample("0008-sandal.png"), "image/png");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode a = json(r);
        assertThat(a.get("shifted").asBoolean()).isTrue();
        assertThat(a.get("grid").toString()).isEqualTo("[8,8]");
        assertThat(a.get("shift").toString()).isEqualTo("[2,2]");
        int n = a.get("windowTokens").asInt();
        assertThat(a.get("probs")).hasSize(4 * n * n);
        assertThat(a.get("groups")).hasSize(64);
        double rowSum = 0;
        for (int j = 0; j < n; j++) rowSum += a.get("probs").get(j).asDouble();
        assertThat(rowSum).isCloseTo(1.0, within(1e-3));
        assertThat(java.util.Base64.getDecoder().decode(a.get("image").get("png").asText())).startsWith(0x89, 'P', 'N', 'G');

        HttpResponse<byte[]> bad = post(server, "v1/attention?stage=2", sample("0008-sandal.png"), "image/png");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("message").asText()).contains("stage=2");
    }

    @Test
    void limitsGive413And503And504() throws Exception {
        ServeOptions tight = ServeOptions.defaults().optPort(0).optMaxBodyBytes(100_000).optMaxImages(2)
                .optQueueCapacity(1).optMaxWaitMillis(600_000).optTimeoutMillis(50);
        try (SwinServer s = SwinServer.start(predictor, tight)) {
            HttpResponse<byte[]> big = post(s, "v1/classify", new byte[100_001], "image/png");
            assertThat(big.statusCode()).isEqualTo(413);
            assertThat(json(big).get("message").asText()).contains("exceeds the limit of 100000 bytes");

            byte[] img = sample("0009-sneaker.png");
            HttpResponse<byte[]> many = post(s, "v1/classify", multipart("a.png", img, "b.png", img, "c.png", img), MULTIPART);
            assertThat(many.statusCode()).isEqualTo(413);
            assertThat(json(many).get("error").asText()).isEqualTo("too_many_images");

            HttpResponse<byte[]> full = post(s, "v1/classify", multipart("a.png", img, "b.png", img), MULTIPART);
            assertThat(full.statusCode()).isEqualTo(503);
            assertThat(full.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(json(full).get("message").asText()).contains("queue is full");

            // The batcher holds an image up to 10 minutes for company; the request gives up after 50 ms.
            HttpResponse<byte[]> slow = post(s, "v1/classify", img, "image/png");
            assertThat(slow.statusCode()).isEqualTo(504);
            assertThat(json(slow).get("message").asText()).contains("within 50 ms");

            String metrics = new String(get(s, "metrics").body(), StandardCharsets.UTF_8);
            assertThat(metrics).contains("swin4j_http_requests_total{route=\"classify\",status=\"413\"} 2.0")
                    .contains("swin4j_http_requests_total{route=\"classify\",status=\"503\"} 1.0")
                    .contains("swin4j_http_requests_total{route=\"classify\",status=\"504\"} 1.0")
                    .contains("swin4j_images_total{outcome=\"timeout\"} 1.0");
        }
    }

    @Test
    void concurrentRequestsShareForwardPassesWithTheSameAnswers() throws Exception {
        // A batch of 8 waits (up to 10 minutes) until all 8 images are there: exactly one forward pass.
        try (SwinServer s = SwinServer.start(predictor, ServeOptions.defaults().optPort(0).optMaxBatch(8).optMaxWaitMillis(600_000))) {
            List<String> names = List.of("0000-ankle-boot.png", "0001-pullover.png", "0002-trouser.png", "0004-shirt.png",
                    "0006-coat.png", "0008-sandal.png", "0009-sneaker.png", "0013-dress.png");
            List<CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
            for (String name : names) {
                calls.add(CLIENT.sendAsync(HttpRequest.newBuilder(s.uri().resolve("v1/classify?top_k=1"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(sample(name))).build(), HttpResponse.BodyHandlers.ofByteArray()));
            }
            for (int i = 0; i < names.size(); i++) {
                HttpResponse<byte[]> r = calls.get(i).get();
                assertThat(r.statusCode()).isEqualTo(200);
                JsonNode top = json(r).get("results").get(0).get("top_k").get(0);
                Prediction want = predictor.classify(SAMPLES.resolve(names.get(i)), 1).get(0);
                assertThat(top.get("index").asInt()).as(names.get(i)).isEqualTo(want.index());
                assertThat(top.get("probability").asDouble()).as(names.get(i)).isCloseTo(want.probability(), within(1e-5));
            }
            String metrics = new String(get(s, "metrics").body(), StandardCharsets.UTF_8);
            double batches = metricValue(metrics, "swin4j_batch_size_count");
            assertThat(metricValue(metrics, "swin4j_batch_size_sum")).isEqualTo(8.0);
            assertThat(batches).as("8 concurrent images in one forward pass").isEqualTo(1.0);
            assertThat(metrics).contains("swin4j_images_total{outcome=\"ok\"} 8.0");
        }
    }

    static double metricValue(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ")) return Double.parseDouble(line.substring(name.length() + 1).trim());
        }
        throw new AssertionError("no metric " + name + " in\n" + text);
    }

    @Test
    void shutdownDrainsRequestsInFlightAndRefusesNewOnes() throws Exception {
        // The batcher would hold an image 10 minutes for company: only the drain's flush makes it run.
        SwinServer s = SwinServer.start(predictor, ServeOptions.defaults().optPort(0).optMaxWaitMillis(600_000));
        byte[] bag = sample("0018-bag.png");
        // Request A is still uploading its body when the shutdown starts: it keeps the drain open.
        try (Socket a = new Socket(s.uri().getHost(), s.uri().getPort())) {
            OutputStream upload = a.getOutputStream();
            upload.write(("POST /v1/classify?top_k=1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\n"
                    + "Connection: close\r\nContent-Length: " + bag.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            upload.write(bag, 0, bag.length / 2);
            upload.flush();
            // Request B is complete: its image waits in the batcher.
            CompletableFuture<HttpResponse<byte[]>> b = CLIENT.sendAsync(HttpRequest.newBuilder(s.uri().resolve("v1/classify"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bag)).build(), HttpResponse.BodyHandlers.ofByteArray());
            await("B's image waits in the batcher").atMost(Duration.ofSeconds(60))
                    .until(() -> metricValue(new String(get(s, "metrics").body(), StandardCharsets.UTF_8), "swin4j_queue_depth") == 1.0);
            assertThat(b).isNotDone();

            Thread closer = new Thread(s::close);
            closer.start();
            await("/readyz turns 503").atMost(Duration.ofSeconds(60)).until(() -> get(s, "readyz").statusCode() == 503);
            HttpResponse<byte[]> late = post(s, "v1/classify", bag, "image/png");
            assertThat(late.statusCode()).isEqualTo(503);
            assertThat(json(late).get("error").asText()).isEqualTo("shutting_down");
            // B is answered during the drain, while A still holds it open.
            HttpResponse<byte[]> answered = b.get(60, TimeUnit.SECONDS);
            assertThat(answered.statusCode()).isEqualTo(200);
            assertThat(json(answered).get("results").get(0).get("top_k").get(0).get("label").asText()).isEqualTo("Bag");
            assertThat(closer.isAlive()).as("the drain waits for A").isTrue();

            upload.write(bag, bag.length / 2, bag.length - bag.length / 2);
            upload.flush();
            String response = new String(a.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 200").contains("\"label\":\"Bag\"");
            closer.join(60_000);
            assertThat(closer.isAlive()).isFalse();
        }
        URI uri = s.uri();
        assertThat(CompletableFuture.supplyAsync(() -> {
            try {
                return get(s, "healthz").statusCode();
            } catch (Exception e) {
                return -1;
            }
        }).get()).as("%s is closed", uri).isEqualTo(-1);
    }
}
