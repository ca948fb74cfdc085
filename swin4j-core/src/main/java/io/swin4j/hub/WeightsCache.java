package io.swin4j.hub;

import io.swin4j.io.AtomicFiles;
import io.swin4j.io.Sha256Manifest;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local cache of downloaded weight files: {@code $SWIN4J_HOME} (the system property {@value #HOME_PROPERTY}
 * overrides it), default {@code ~/.cache/swin4j}; an entry lives at {@code root/entry.file()}.
 *
 * <p>A cached file is returned without touching the network. A download goes to {@code FILE.part}, continues a
 * partial one with an HTTP Range request (a server answering 200 instead of 206 restarts it from byte 0), is retried
 * up to {@link #withAttempts attempts} times, checked against the published SHA-256 (whole or prefix: a mismatch
 * deletes the partial file and fails) and moved atomically to its final name. Concurrent fetches of one file, by
 * threads or processes, are serialised by an exclusive lock on {@code FILE.lock} (plus an in-process lock, as
 * file locks are per process); whoever gets the lock second finds the file in place.
 */
public final class WeightsCache {

    public static final String HOME_PROPERTY = "swin4j.home", HOME_ENV = "SWIN4J_HOME";
    private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "swin4j-download-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final Path root;
    private final Duration connectTimeout, readTimeout;
    private final int attempts;
    private final HttpClient client;

    public WeightsCache(Path root) {
        this(root, Duration.ofSeconds(30), Duration.ofSeconds(60), 3);
    }

    private WeightsCache(Path root, Duration connectTimeout, Duration readTimeout, int attempts) {
        if (attempts < 1) throw new IllegalArgumentException("attempts must be >= 1");
        this.root = root.toAbsolutePath().normalize();
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.attempts = attempts;
        this.client = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** The cache at {@link #defaultRoot()}. */
    public static WeightsCache defaults() {
        return new WeightsCache(defaultRoot());
    }

    /** {@value #HOME_PROPERTY} if set, else {@code $SWIN4J_HOME}, else {@code ~/.cache/swin4j}. */
    public static Path defaultRoot() {
        String p = System.getProperty(HOME_PROPERTY);
        if (p != null && !p.isBlank()) return Path.of(p);
        String env = System.getenv(HOME_ENV);
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "swin4j");
    }

    /**
     * @param connect time to establish a connection
     * @param read    longest wait for the response headers and, during the body, between two reads that bring data
     */
    public WeightsCache withTimeouts(Duration connect, Duration read) {
        return new WeightsCache(root, connect, read, attempts);
    }

    /** Transfers tried per fetch (each continues what the last left in the partial file). */
    public WeightsCache withAttempts(int n) {
        return new WeightsCache(root, connectTimeout, readTimeout, n);
    }

    public Path root() {
        return root;
    }

    /** Where the entry's file is (or will be) cached. */
    public Path pathOf(ModelEntry entry) {
        Path p = root.resolve(entry.file()).normalize();
        if (!p.startsWith(root)) throw new IllegalArgumentException("file outside the cache: " + entry.file());
        return p;
    }

    public boolean isCached(ModelEntry entry) {
        return Files.isRegularFile(pathOf(entry));
    }

    /** The cached file of an entry, downloading (and verifying) it first when it is not cached. */
    public Path fetch(ModelEntry entry, DownloadListener listener) throws IOException {
        Path target = pathOf(entry);
        if (Files.isRegularFile(target)) return target;
        Files.createDirectories(target.getParent());
        Path part = sibling(target, ".part"), lockFile = sibling(target, ".lock");
        ReentrantLock local = LOCKS.computeIfAbsent(target, k -> new ReentrantLock());
        local.lock();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            if (Files.isRegularFile(target)) return target; // another thread or process finished it meanwhile
            IOException last = null;
            for (int i = 0; i < attempts; i++) {
                try {
                    transfer(entry, part, listener);
                    last = null;
                    break;
                } catch (FatalDownloadException e) {
                    last = e;
                    break;
                } catch (IOException e) {
                    last = e;
                }
            }
            if (last != null) {
                throw new IOException("cannot download " + entry.name() + " from " + entry.url() + ": " + describe(last)
                        + "; no cached copy at " + target + (Files.exists(part) ? " (partial download kept at " + part
                        + ", continued next time)" : "") + ". Offline, put the file there (cache root: " + HOME_ENV
                        + " or -D" + HOME_PROPERTY + ").", last);
            }
            verify(entry, part);
            // Durable before it has its final name: a power cut cannot leave a cached file that is short or empty.
            AtomicFiles.sync(part);
            try {
                AtomicFiles.move(part, target);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
                AtomicFiles.syncDirectory(target.getParent());
            }
            listener.finished(entry, target);
            return target;
        } finally {
            local.unlock();
        }
    }

    private static Path sibling(Path target, String suffix) {
        return target.resolveSibling(target.getFileName() + suffix);
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " (" + m + ")");
    }

    /** One HTTP transfer into {@code part}, continuing it when it holds bytes. */
    private void transfer(ModelEntry entry, Path part, DownloadListener listener) throws IOException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpRequest.Builder rb = HttpRequest.newBuilder(entry.url()).timeout(readTimeout).GET()
                .header("User-Agent", "swin4j");
        if (have > 0) rb.header("Range", "bytes=" + have + "-");
        HttpResponse<InputStream> response;
        try {
            response = client.send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while connecting to " + entry.url());
        }
        int code = response.statusCode();
        boolean append;
        long total;
        long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (code == 206 && have > 0) {
            Matcher m = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
            if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                response.body().close();
                Files.deleteIfExists(part);
                throw new IOException("server answered range " + response.headers().firstValue("Content-Range")
                        .orElse("(none)") + " to a request from byte " + have + "; starting again");
            }
            append = true;
            total = "*".equals(m.group(3)) ? -1 : Long.parseLong(m.group(3));
        } else if (code == 200) {
            append = false; // no range support (or no partial file): from byte 0
            have = 0;
            total = length;
        } else {
            response.body().close();
            if (code == 416 && have > 0) {
                Files.deleteIfExists(part);
                throw new IOException("server refused to continue from byte " + have + " (HTTP 416); starting again");
            }
            String msg = "HTTP " + code + " from " + entry.url();
            if (code >= 400 && code < 500 && code != 408 && code != 429) throw new FatalDownloadException(msg);
            throw new IOException(msg);
        }
        listener.started(entry, have, total);
        AtomicLong lastData = new AtomicLong(System.nanoTime());
        AtomicBoolean stalled = new AtomicBoolean();
        long done = have;
        try (InputStream in = response.body();
             OutputStream out = append
                     ? Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.APPEND)
                     : Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                     StandardOpenOption.WRITE)) {
            long period = Math.max(1, readTimeout.toMillis() / 4);
            ScheduledFuture<?> watch = WATCHDOG.scheduleAtFixedRate(() -> {
                if (System.nanoTime() - lastData.get() > readTimeout.toNanos() && stalled.compareAndSet(false, true)) {
                    try {
                        in.close(); // unblocks the reader
                    } catch (IOException ignored) {
                        // the reader sees the stall flag either way
                    }
                }
            }, period, period, TimeUnit.MILLISECONDS);
            try {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                    done += n;
                    lastData.set(System.nanoTime());
                    listener.progressed(done, total);
                }
            } catch (IOException e) {
                if (stalled.get()) throw stall(entry, done);
                throw new IOException("connection lost after " + done + (total >= 0 ? " of " + total : "") + " bytes: "
                        + describe(e), e);
            } finally {
                watch.cancel(false);
            }
            if (stalled.get()) throw stall(entry, done);
        }
        if (total >= 0 && done != total) {
            throw new IOException("connection closed after " + done + " of " + total + " bytes");
        }
    }

    private IOException stall(ModelEntry entry, long done) {
        return new IOException("no data from " + entry.url() + " for " + readTimeout.toSeconds() + " s (after " + done
                + " bytes)");
    }

    /** Checks the published hash; on a mismatch deletes the partial file and throws. */
    static void verify(ModelEntry entry, Path part) throws IOException {
        String expected = entry.expectedSha256();
        if (expected == null) return;
        String actual = sha256(part);
        if (!actual.startsWith(expected)) {
            Files.deleteIfExists(part);
            throw new FatalDownloadException("SHA-256 mismatch for " + entry.name() + " from " + entry.url()
                    + ": expected " + (entry.sha256() != null ? expected : "a hash starting " + expected) + ", got "
                    + actual + "; the download was deleted");
        }
    }

    static String sha256(Path file) throws IOException {
        return Sha256Manifest.sha256(file);
    }

    /** A failure that another attempt would not cure (a hash mismatch, a 4xx answer). */
    static final class FatalDownloadException extends IOException {
        FatalDownloadException(String message) {
            super(message);
        }
    }
}
