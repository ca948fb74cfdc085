package io.swin4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.infer.SwinPredictor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.swin4j.serve.SwinServerTest.MULTIPART;
import static io.swin4j.serve.SwinServerTest.get;
import static io.swin4j.serve.SwinServerTest.json;
import static io.swin4j.serve.SwinServerTest.multipart;
import static io.swin4j.serve.SwinServerTest.post;
import static io.swin4j.serve.SwinServerTest.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 18's rows for the service: clients that stall (headers dripped a byte at a time, bodies stopped), too many
 * connections or requests, oversized bodies and images, a batcher that stops making progress, an OutOfMemoryError
 * in a forward pass. Over loopback, with raw sockets where a well-behaved client library would not misbehave.
 */
@Tag("hostile")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ServeHostileClientsTest {

    static SwinPredictor predictor;

    @BeforeAll
    static void start() throws Exception {
        predictor = SwinPredictor.builder().build();
    }

    @AfterAll
    static void stop() {
        predictor.close();
    }

    static final long HEADER_MS = 1000;
    static final long BODY_MS = 1000;
    /** How late a deadline may close a connection: the timer's delay, a loaded 2-core machine. */
    static final long SLACK_MS = 2000;

    /** What a raw socket received until the server closed it, and when (ms after {@code fromNanos}). */
    record Outcome(String text, long millis) {}

    static Outcome readToEof(Socket s, long fromNanos) throws IOException {
        s.setSoTimeout(30_000);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            for (int r; (r = in.read(buf)) > 0; ) got.write(buf, 0, r);
        } catch (java.net.SocketException e) {
            // a reset is an end too
        }
        return new Outcome(got.toString(StandardCharsets.ISO_8859_1), (System.nanoTime() - fromNanos) / 1_000_000);
    }

    static Socket connect(SwinServer s) throws IOException {
        return new Socket(s.uri().getHost(), s.uri().getPort());
    }

    static void write(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Test
    void sixtyFourStalledConnectionsBlockNeitherHealthNorClassifyAndTheDeadlinesCloseThem() throws Exception {
        ServeOptions opts = ServeOptions.defaults().optPort(0).optHeaderTimeoutMillis(HEADER_MS)
                .optBodyTimeoutMillis(BODY_MS).optRequestTimeoutMillis(10_000);
        byte[] img = sample("0009-sneaker.png");
        ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();
        ExecutorService readers = Executors.newFixedThreadPool(64);
        List<Socket> sockets = new ArrayList<>();
        try (SwinServer s = SwinServer.start(predictor, opts)) {
            assertThat(post(s, "v1/classify", img, "image/png").statusCode()).as("warm-up").isEqualTo(200);
            // 32 clients drip a never-ending header line a byte every 100 ms; 32 send headers and 1 of 1000 body bytes.
            byte[] endless = ("POST /v1/classify HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(10_000))
                    .getBytes(StandardCharsets.ISO_8859_1);
            List<CompletableFuture<Outcome>> dripped = new ArrayList<>();
            List<CompletableFuture<Outcome>> stopped = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                Socket d = connect(s);
                sockets.add(d);
                long opened = System.nanoTime();
                int[] next = {0};
                drip.scheduleAtFixedRate(() -> {
                    try {
                        if (next[0] < endless.length) d.getOutputStream().write(endless[next[0]++]);
                    } catch (IOException e) {
                        // closed by the server: what the test waits for
                    }
                }, 0, 100, TimeUnit.MILLISECONDS);
                dripped.add(CompletableFuture.supplyAsync(() -> read(d, opened), readers));

                Socket b = connect(s);
                sockets.add(b);
                write(b, "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\nx");
                long sent = System.nanoTime();
                stopped.add(CompletableFuture.supplyAsync(() -> read(b, sent), readers));
            }

            long t0 = System.nanoTime();
            HttpResponse<byte[]> health = get(s, "healthz");
            long healthMs = (System.nanoTime() - t0) / 1_000_000;
            t0 = System.nanoTime();
            HttpResponse<byte[]> classify = post(s, "v1/classify", img, "image/png");
            long classifyMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(healthMs).as("/healthz while 64 connections stall").isLessThan(2000);
            assertThat(classify.statusCode()).isEqualTo(200);
            assertThat(json(classify).get("results").get(0).get("top_k").get(0).get("label").asText()).isEqualTo("Sneaker");
            assertThat(classifyMs).as("classify while 64 connections stall").isLessThan(2000);

            for (CompletableFuture<Outcome> f : dripped) {
                Outcome o = f.get(HEADER_MS + SLACK_MS + 5000, TimeUnit.MILLISECONDS);
                assertThat(o.text()).as("a client dripping its headers gets 408 or EOF").satisfiesAnyOf(
                        t -> assertThat(t).isEmpty(), t -> assertThat(t).startsWith("HTTP/1.1 408"));
                assertThat(o.millis()).as("closed by the header deadline").isBetween(HEADER_MS - 100, HEADER_MS + SLACK_MS);
            }
            for (CompletableFuture<Outcome> f : stopped) {
                Outcome o = f.get(BODY_MS + SLACK_MS + 5000, TimeUnit.MILLISECONDS);
                assertThat(o.text()).as("a client that stopped its body").startsWith("HTTP/1.1 408")
                        .contains("request body not received within 1000 ms");
                assertThat(o.millis()).as("closed by the body deadline").isBetween(BODY_MS - 100, BODY_MS + SLACK_MS);
            }
            await("every stalled connection is gone").atMost(Duration.ofSeconds(10)).until(() -> s.openConnections() <= 1);
            String metrics = new String(get(s, "metrics").body(), StandardCharsets.UTF_8);
            // 32 drippers, and any idle keep-alive connection of the test's own client
            assertThat(SwinServerTest.metricValue(metrics, "swin4j_connections_closed_total{reason=\"header_timeout\"}"))
                    .isGreaterThanOrEqualTo(32.0);
            assertThat(metrics).contains("swin4j_http_requests_total{route=\"classify\",status=\"408\"} 32.0");
        } finally {
            drip.shutdownNow();
            readers.shutdownNow();
            for (Socket k : sockets) k.close();
        }
    }

    private static Outcome read(Socket s, long from) {
        try {
            return readToEof(s, from);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void pastTheConnectionCapANewConnectionGets503AndIsClosed() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try (SwinServer s = SwinServer.start(predictor, ServeOptions.defaults().optPort(0).optMaxConnections(4))) {
            for (int i = 0; i < 4; i++) idle.add(connect(s));
            await("4 connections open").atMost(Duration.ofSeconds(10)).until(() -> s.openConnections() == 4);
            try (Socket fifth = connect(s)) {
                write(fifth, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
                Outcome o = readToEof(fifth, System.nanoTime());
                assertThat(o.text()).startsWith("HTTP/1.1 503").contains("Retry-After: 1")
                        .contains("more than 4 open connections (--max-connections)");
            }
            for (Socket k : idle) k.close();
            await("the cap frees up").atMost(Duration.ofSeconds(10)).until(() -> s.openConnections() == 0);
            assertThat(new String(get(s, "metrics").body(), StandardCharsets.UTF_8))
                    .contains("swin4j_connections_closed_total{reason=\"over_cap\"} 1.0");
            assertThat(get(s, "healthz").statusCode()).isEqualTo(200);
        } finally {
            for (Socket k : idle) k.close();
        }
    }

    @Test
    void aFullWorkQueueGives503AndAStuckBatcherMakesReadyzUnready() throws Exception {
        Gate gate = new Gate();
        CountDownLatch entered = new CountDownLatch(1);
        ServeOptions opts = ServeOptions.defaults().optPort(0).optThreads(1).optWorkQueue(1).optMaxWaitMillis(0)
                .optReadyStallSeconds(1);
        byte[] img = sample("0009-sneaker.png");
        try (SwinServer s = SwinServer.start(predictor, opts, inputs -> {
            entered.countDown();
            gate.pass(60);
            return predictor.forward(inputs);
        })) {
            CompletableFuture<HttpResponse<byte[]>> a = CompletableFuture.supplyAsync(() -> call(() -> post(s, "v1/classify", img, "image/png")));
            assertThat(entered.await(30, TimeUnit.SECONDS)).as("A's batch runs").isTrue();
            CompletableFuture<HttpResponse<byte[]>> b = CompletableFuture.supplyAsync(() -> call(() -> post(s, "v1/classify", img, "image/png")));
            await("B waits for the only worker").atMost(Duration.ofSeconds(30)).until(() -> s.queuedRequests() == 1);

            HttpResponse<byte[]> c = post(s, "v1/classify", img, "image/png");
            assertThat(c.statusCode()).isEqualTo(503);
            assertThat(c.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(json(c).get("message").asText()).contains("all 1 workers are busy").contains("--work-queue");

            await("/readyz sees the stuck batch").atMost(Duration.ofSeconds(10)).until(() -> get(s, "readyz").statusCode() == 503);
            JsonNode stalled = json(get(s, "readyz"));
            assertThat(stalled.get("status").asText()).isEqualTo("stalled");
            assertThat(stalled.get("reason").asText()).contains("no batch finished").contains("--ready-stall-seconds 1");
            assertThat(get(s, "healthz").statusCode()).as("alive, just not ready").isEqualTo(200);

            gate.open();
            assertThat(a.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            assertThat(b.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            await("ready again").atMost(Duration.ofSeconds(10)).until(() -> get(s, "readyz").statusCode() == 200);
        } finally {
            gate.open();
        }
    }

    @Test
    void anOutOfMemoryErrorInAForwardPassMakesTheServiceUnreadyForGoodAndIsLogged() throws Exception {
        AtomicBoolean once = new AtomicBoolean();
        List<LogRecord> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override public void publish(LogRecord r) { logged.add(r); }
            @Override public void flush() { }
            @Override public void close() { }
        };
        Logger log = Logger.getLogger(SwinServer.class.getName());
        log.addHandler(capture);
        byte[] img = sample("0009-sneaker.png");
        try (SwinServer s = SwinServer.start(predictor, ServeOptions.defaults().optPort(0), inputs -> {
            if (once.compareAndSet(false, true)) throw new OutOfMemoryError("injected: Java heap space");
            return predictor.forward(inputs);
        })) {
            assertThat(get(s, "readyz").statusCode()).isEqualTo(200);
            HttpResponse<byte[]> r = post(s, "v1/classify", img, "image/png");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(json(r).get("message").asText()).contains("OutOfMemoryError");

            HttpResponse<byte[]> ready = get(s, "readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(json(ready).get("status").asText()).isEqualTo("failed");
            assertThat(json(ready).get("reason").asText()).contains("java.lang.OutOfMemoryError: injected: Java heap space");
            assertThat(get(s, "healthz").statusCode()).isEqualTo(503);
            // The next forward pass would work: the state stays "failed", since an Error leaves it unknown.
            assertThat(get(s, "readyz").statusCode()).isEqualTo(503);
            assertThat(logged).anySatisfy(rec -> {
                assertThat(rec.getLevel()).isEqualTo(Level.SEVERE);
                assertThat(rec.getMessage()).contains("OutOfMemoryError").contains("restart the process");
            });
        } finally {
            log.removeHandler(capture);
        }
    }

    @Test
    void oversizedBodiesAndImagesAre413BeforeTheyAreReadWhole() throws Exception {
        ServeOptions opts = ServeOptions.defaults().optPort(0).optMaxBodyBytes(1 << 20).optMaxImageBytes(64 << 10);
        try (SwinServer s = SwinServer.start(predictor, opts)) {
            // A declared 100 MB body: refused on its headers, before a byte of it is sent.
            try (Socket k = connect(s)) {
                write(k, "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: " + MULTIPART
                        + "\r\nContent-Length: 100000000\r\n\r\n");
                Outcome o = readToEof(k, System.nanoTime());
                assertThat(o.text()).startsWith("HTTP/1.1 413").contains("request body of 100000000 bytes exceeds the limit of 1048576");
            }
            // A chunked body of 3 MB: refused past 1 MB, the rest dropped so that the client can read the answer.
            try (Socket k = connect(s)) {
                write(k, "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: " + MULTIPART
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n");
                int chunk = 64 << 10;
                String data = Integer.toHexString(chunk) + "\r\n" + "z".repeat(chunk) + "\r\n";
                for (int sent = 0; sent < (3 << 20); sent += chunk) write(k, data);
                write(k, "0\r\n\r\n");
                Outcome o = readToEof(k, System.nanoTime());
                assertThat(o.text()).startsWith("HTTP/1.1 413").contains("more than 1048576 bytes");
            }
            // One part over the image limit in a body under the body limit: 413 naming the part.
            byte[] big = new byte[(64 << 10) + 1];
            HttpResponse<byte[]> part = post(s, "v1/classify", multipart("small.png", sample("0009-sneaker.png"), "big.png", big), MULTIPART);
            assertThat(part.statusCode()).isEqualTo(413);
            assertThat(json(part).get("error").asText()).isEqualTo("image_too_large");
            assertThat(json(part).get("message").asText()).contains("part 2 (big.png) has 65537 bytes").contains("--max-image-mb");
            // A raw image over the image limit, declared: refused on its headers.
            HttpResponse<byte[]> raw = post(s, "v1/classify", big, "image/png");
            assertThat(raw.statusCode()).isEqualTo(413);
            assertThat(json(raw).get("message").asText()).contains("image of 65537 bytes exceeds the limit of 65536");
        }
    }

    interface Call<T> {
        T call() throws Exception;
    }

    static <T> T call(Call<T> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
