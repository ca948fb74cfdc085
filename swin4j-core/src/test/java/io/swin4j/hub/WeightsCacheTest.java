package io.swin4j.hub;

import io.swin4j.io.SyncRecorder;
import io.swin4j.model.SwinConfig.Family;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Downloads against a loopback server: nothing here touches the internet. */
class WeightsCacheTest {

    private static final int SIZE = 300_000;

    @TempDir
    Path home;
    private LoopbackServer server;
    private byte[] body;

    @BeforeEach
    void start() throws IOException {
        server = new LoopbackServer();
        body = new byte[SIZE];
        new Random(17).nextBytes(body);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private ModelEntry entry(URI url, String sha, String prefix) {
        return new ModelEntry("test/tiny", Family.V1, Source.OFFICIAL, "tiny", url, sha, prefix, "test/tiny.pth", 10, "test");
    }

    private WeightsCache cache() {
        return new WeightsCache(home).withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(20));
    }

    private List<Path> filesUnder(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".lock")).toList();
        }
    }

    /** Records what a download reports. */
    static final class Recorder implements DownloadListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        volatile long last = -1;

        @Override
        public void started(ModelEntry entry, long offset, long total) {
            events.add("start " + offset + "/" + total);
        }

        @Override
        public void progressed(long bytes, long total) {
            last = bytes;
        }

        @Override
        public void finished(ModelEntry entry, Path file) {
            events.add("done " + file.getFileName());
        }
    }

    /** Polls a condition until it holds; fails at a one-minute deadline (core has no Awaitility dependency). */
    private static void until(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within a minute");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    @Test
    void downloadsVerifiesTheFullHashAndMovesIntoPlace() throws Exception {
        ModelEntry e = entry(server.serve("/w.pth", body), sha256(body), null);
        Recorder rec = new Recorder();
        Path p = cache().fetch(e, rec);
        assertThat(p).isEqualTo(home.resolve("test/tiny.pth"));
        assertThat(Files.readAllBytes(p)).isEqualTo(body);
        assertThat(rec.events).containsExactly("start 0/" + SIZE, "done tiny.pth");
        assertThat(rec.last).isEqualTo(SIZE);
        assertThat(filesUnder(home)).containsExactly(p); // no .part left
        assertThat(server.ranges).containsExactly("");
    }

    @Test
    void theDownloadIsDurableBeforeItGetsItsNameAndTheNameAfterwards() throws Exception {
        ModelEntry e = entry(server.serve("/w.pth", body), sha256(body), null);
        Path target = home.resolve("test/tiny.pth");
        try (SyncRecorder rec = new SyncRecorder(p -> home.relativize(p) + (Files.exists(target) ? " named" : " unnamed"))) {
            cache().fetch(e, DownloadListener.NONE);
            // Without the first force a power cut could leave a short file under the final name, which is never
            // downloaded again (a cached file is trusted); without the second the name itself could vanish.
            assertThat(rec.events()).containsExactly("test/tiny.pth.part unnamed", "test named");
        }
    }

    @Test
    void aPublishedHashPrefixIsVerified() throws Exception {
        String prefix = sha256(body).substring(0, 8);
        Path p = cache().fetch(entry(server.serve("/w.pth", body), null, prefix), DownloadListener.NONE);
        assertThat(Files.readAllBytes(p)).isEqualTo(body);
    }

    @Test
    void aHashMismatchIsRefusedAndNothingIsLeftUnderTheFinalName() throws Exception {
        byte[] other = body.clone();
        other[SIZE / 2] ^= 1;
        String expected = sha256(other), actual = sha256(body);
        ModelEntry full = entry(server.serve("/w.pth", body), expected, null);
        assertThatThrownBy(() -> cache().fetch(full, DownloadListener.NONE)).isInstanceOf(IOException.class)
                .hasMessageContaining(expected).hasMessageContaining(actual);
        assertThat(home.resolve("test/tiny.pth")).doesNotExist();
        assertThat(home.resolve("test/tiny.pth.part")).doesNotExist();

        ModelEntry prefixed = entry(full.url(), null, expected.substring(0, 8));
        assertThatThrownBy(() -> cache().fetch(prefixed, DownloadListener.NONE)).isInstanceOf(IOException.class)
                .hasMessageContaining(expected.substring(0, 8)).hasMessageContaining(actual);
        assertThat(filesUnder(home)).isEmpty();
        // a mismatch is not retried: one request per fetch
        assertThat(server.ranges).hasSize(2);
    }

    @Test
    void anInterruptedDownloadResumesWithARangeRequest() throws Exception {
        int n = 100_000;
        server.dropFirstAfter = n;
        ModelEntry e = entry(server.serve("/w.pth", body), sha256(body), null);
        WeightsCache once = cache().withAttempts(1);
        assertThatThrownBy(() -> once.fetch(e, DownloadListener.NONE)).isInstanceOf(IOException.class)
                .hasMessageContaining(e.url().toString());
        Path part = home.resolve("test/tiny.pth.part");
        // The client keeps what reached it before the drop: the server's n bytes at most (the JDK client may lose the
        // chunk in flight when the connection breaks), and the next request asks for exactly the rest.
        long kept = Files.size(part);
        assertThat(kept).isPositive().isLessThanOrEqualTo(n);
        assertThat(home.resolve("test/tiny.pth")).doesNotExist();

        Recorder rec = new Recorder();
        Path p = once.fetch(e, rec);
        assertThat(server.ranges).containsExactly("", "bytes=" + kept + "-");
        assertThat(rec.events.get(0)).isEqualTo("start " + kept + "/" + SIZE);
        assertThat(Files.readAllBytes(p)).isEqualTo(body);
        assertThat(part).doesNotExist();
    }

    @Test
    void oneFetchRetriesADroppedConnectionFromWhereItStopped() throws Exception {
        int n = 70_000;
        server.dropFirstAfter = n;
        Path p = cache().fetch(entry(server.serve("/w.pth", body), sha256(body), null), DownloadListener.NONE);
        assertThat(server.ranges).hasSize(2).first().isEqualTo("");
        // The second request continues from what the first kept: at most the n bytes sent before the drop.
        assertThat(server.ranges.get(1)).matches("bytes=\\d+-");
        long from = Long.parseLong(server.ranges.get(1).replaceAll("\\D", ""));
        assertThat(from).isPositive().isLessThanOrEqualTo(n);
        assertThat(Files.readAllBytes(p)).isEqualTo(body);
    }

    @Test
    void aServerIgnoringRangeRestartsFromZero() throws Exception {
        server.honourRange = false;
        Path part = home.resolve("test/tiny.pth.part");
        Files.createDirectories(part.getParent());
        byte[] stale = new byte[5000];
        new Random(3).nextBytes(stale); // not a prefix of the body: appending to it would corrupt the file
        Files.write(part, stale);
        Path p = cache().fetch(entry(server.serve("/w.pth", body), sha256(body), null), DownloadListener.NONE);
        assertThat(server.ranges).containsExactly("bytes=5000-");
        assertThat(Files.readAllBytes(p)).isEqualTo(body);
    }

    @Test
    void aCachedFileIsUsedOfflineWithoutTouchingTheNetwork() throws Exception {
        ModelEntry e = entry(server.serve("/w.pth", body), sha256(body), null);
        Path first = cache().fetch(e, DownloadListener.NONE);
        server.stop();
        Recorder rec = new Recorder();
        Path again = new WeightsCache(home).fetch(e, rec);
        assertThat(again).isEqualTo(first);
        assertThat(rec.events).isEmpty();
        assertThat(server.ranges).hasSize(1);
        assertThat(new WeightsCache(home).isCached(e)).isTrue();
    }

    @Test
    void offlineWithoutACachedFileTheErrorNamesTheUrlAndTheCachePath() throws Exception {
        ModelEntry e = entry(server.serve("/w.pth", body), null, null);
        server.stop();
        Path target = home.resolve("test/tiny.pth");
        assertThatThrownBy(() -> cache().fetch(e, DownloadListener.NONE)).isInstanceOf(IOException.class)
                .hasMessageContaining(e.url().toString()).hasMessageContaining(target.toString());
        assertThat(target).doesNotExist();
    }

    @Test
    void aMissingFileIsNotRetried() throws Exception {
        ModelEntry e = entry(server.serve("/w.pth", body).resolve("/nothing.pth"), null, null);
        assertThatThrownBy(() -> cache().fetch(e, DownloadListener.NONE)).hasMessageContaining("HTTP 404");
        assertThat(server.ranges).hasSize(1);
    }

    @Test
    void aStalledTransferFailsAfterTheReadTimeoutAndKeepsWhatArrived() throws Exception {
        server.stall = new CountDownLatch(1);
        server.stallAfter = 4096;
        ModelEntry e = entry(server.serve("/w.pth", body), null, null);
        WeightsCache c = new WeightsCache(home).withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(400)).withAttempts(1);
        assertThatThrownBy(() -> c.fetch(e, DownloadListener.NONE)).hasMessageContaining("no data from " + e.url());
        assertThat(Files.size(home.resolve("test/tiny.pth.part"))).isEqualTo(4096);
        assertThat(home.resolve("test/tiny.pth")).doesNotExist();
    }

    @Test
    void twoThreadsFetchingOneNameMakeOneDownload() throws Exception {
        server.hold = new CountDownLatch(1);
        ModelEntry e = entry(server.serve("/w.pth", body), sha256(body), null);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Path> a = pool.submit(() -> cache().fetch(e, DownloadListener.NONE));
            until(() -> server.ranges.size() == 1);
            List<Thread> waiting = new CopyOnWriteArrayList<>();
            Future<Path> b = pool.submit(() -> {
                waiting.add(Thread.currentThread());
                return cache().fetch(e, DownloadListener.NONE);
            });
            // b is parked on the lock while a's request is held open by the server
            until(() -> !waiting.isEmpty()
                    && waiting.get(0).getState() == Thread.State.WAITING);
            server.hold.countDown();
            assertThat(a.get(1, TimeUnit.MINUTES)).isEqualTo(b.get(1, TimeUnit.MINUTES));
            assertThat(server.ranges).hasSize(1);
            assertThat(Files.readAllBytes(a.get())).isEqualTo(body);
        } finally {
            pool.shutdownNow();
        }
    }
}
