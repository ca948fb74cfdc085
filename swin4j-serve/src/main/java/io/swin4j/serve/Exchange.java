package io.swin4j.serve;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request and its response on Jetty's core API: what the routes read (method, path, query, headers, the body
 * once read) and the single response they send. Exactly one response is sent, whoever comes first: the route, or a
 * deadline ({@link #respond} returns false to the loser). Writes never block the caller: a client that reads its
 * answer slowly holds memory (the answer's bytes) until the request deadline closes its connection, not a thread.
 */
final class Exchange {

    private final Request request;
    private final Response response;
    private final Callback callback;
    private final AtomicBoolean responded = new AtomicBoolean();
    private final long startNanos = System.nanoTime();
    volatile byte[] body;
    volatile boolean bodyComplete;
    volatile String label = "unknown";
    volatile int status = 500;

    private final AtomicBoolean done = new AtomicBoolean();
    private volatile Runnable onDone = () -> { };

    Exchange(Request request, Response response, Callback callback) {
        this.request = request;
        this.response = response;
        this.callback = Callback.from(() -> {
            finish();
            callback.succeeded();
        }, x -> {
            finish();
            callback.failed(x);
        });
    }

    /** Runs once the response is sent or has failed (set before anything can respond). */
    void onDone(Runnable r) {
        onDone = r;
    }

    private void finish() {
        if (done.compareAndSet(false, true)) onDone.run();
    }

    long startNanos() {
        return startNanos;
    }

    Request request() {
        return request;
    }

    String method() {
        return request.getMethod();
    }

    String path() {
        String p = request.getHttpURI().getDecodedPath();
        return p == null ? "/" : p;
    }

    String rawQuery() {
        return request.getHttpURI().getQuery();
    }

    String target() {
        return method() + " " + request.getHttpURI().getPathQuery();
    }

    String header(String name) {
        return request.getHeaders().get(name);
    }

    void setHeader(String name, String value) {
        response.getHeaders().put(name, value);
    }

    boolean responded() {
        return responded.get();
    }

    /**
     * Sends the response (once) and returns true, or returns false when another response was already sent.
     * {@code close} asks the client to close the connection and closes it after the response.
     */
    boolean respond(int status, String contentType, byte[] bytes, boolean close) {
        if (!responded.compareAndSet(false, true)) return false;
        this.status = status;
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        if (close) response.getHeaders().put(HttpHeader.CONNECTION, "close");
        boolean head = method().equals("HEAD");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(bytes), callback);
        return true;
    }

    /**
     * Closes the connection at once (a response that did not get out before the request deadline): the pending
     * write fails, and with it the request.
     */
    void abort() {
        responded.set(true);
        request.getConnectionMetaData().getConnection().getEndPoint().close();
    }
}
