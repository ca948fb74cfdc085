package io.swin4j.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback HTTP server for download tests (shared with the CLI's tests through the core test-jar): serves byte
 * arrays by path, records each request's Range header, and can misbehave on purpose.
 */
public final class LoopbackServer implements AutoCloseable {

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    /** The Range header of every request, in arrival order ("" when absent). */
    public final List<String> ranges = new CopyOnWriteArrayList<>();
    /** The first response writes this many bytes of its body and then drops the connection (-1: never). */
    public volatile int dropFirstAfter = -1;
    /** Answer Range requests with 206 and the rest of the file; false: ignore Range and send all of it with 200. */
    public volatile boolean honourRange = true;
    /** When set, a response writes {@link #stallAfter} bytes of its body and then sends nothing until it opens. */
    public volatile CountDownLatch stall;
    public volatile int stallAfter;
    /** When set, a request is recorded and then waits until it opens before it is answered. */
    public volatile CountDownLatch hold;

    public LoopbackServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Serves {@code body} at {@code path} and returns its URL. */
    public URI serve(String path, byte[] body) {
        files.put(path, body);
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String range = ex.getRequestHeaders().getFirst("Range");
            int index = ranges.size();
            ranges.add(range == null ? "" : range);
            CountDownLatch h = hold;
            if (h != null) await(h);
            byte[] body = files.get(ex.getRequestURI().getPath());
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            int start = 0;
            Matcher m = range == null ? null : RANGE.matcher(range);
            if (m != null && m.matches() && honourRange) {
                start = Integer.parseInt(m.group(1));
                if (start >= body.length) {
                    ex.getResponseHeaders().add("Content-Range", "bytes */" + body.length);
                    ex.sendResponseHeaders(416, -1);
                    return;
                }
                ex.getResponseHeaders().add("Content-Range", "bytes " + start + "-" + (body.length - 1) + "/" + body.length);
                ex.sendResponseHeaders(206, body.length - start);
            } else {
                ex.sendResponseHeaders(200, body.length);
            }
            OutputStream out = ex.getResponseBody();
            int n = body.length - start;
            CountDownLatch s = stall;
            if (index == 0 && dropFirstAfter >= 0) {
                out.write(body, start, Math.min(dropFirstAfter, n));
                out.flush();
                // Closing with bytes still owed makes the server drop the connection.
                return;
            }
            if (s != null) {
                out.write(body, start, Math.min(stallAfter, n));
                out.flush();
                await(s);
                return;
            }
            out.write(body, start, n);
        } catch (IOException e) {
            // a dropped connection, on purpose or by the client
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(3, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops listening: later connections are refused. */
    public void stop() {
        server.stop(0);
    }

    @Override
    public void close() {
        CountDownLatch s = stall, h = hold;
        if (s != null) while (s.getCount() > 0) s.countDown();
        if (h != null) while (h.getCount() > 0) h.countDown();
        server.stop(0);
        pool.shutdownNow();
    }
}
