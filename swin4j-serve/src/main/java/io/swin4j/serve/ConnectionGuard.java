package io.swin4j.serve;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The connection cap and the header deadline, as a listener of every connection Jetty opens.
 * <ul>
 *   <li>Past {@code maxConnections} open connections, a new one is answered {@code 503} with {@code Retry-After}
 *       and closed before anything is read from it.</li>
 *   <li>From a connection's opening, or the end of its previous response, the client has {@code headerMillis} to
 *       finish the next request's headers (Jetty parses headers without holding a thread, but a client dripping
 *       one byte at a time would otherwise keep its socket for ever, since each byte resets the idle timeout).
 *       When the time is up a connection that has started a request gets {@code 408}; an idle keep-alive
 *       connection is just closed. Both are closed.</li>
 * </ul>
 */
final class ConnectionGuard implements Connection.Listener {

    private static final Logger LOG = Logger.getLogger(ConnectionGuard.class.getName());

    /** A connection's requests: how many are being handled now, and how many have begun in all. */
    private static final class State {
        final AtomicInteger active = new AtomicInteger();
        final AtomicInteger begun = new AtomicInteger();
        volatile ScheduledFuture<?> deadline;
    }

    private static final long LINGER_MILLIS = 1000;

    private final int maxConnections;
    private final long headerMillis;
    private final ScheduledExecutorService timer;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<Connection, State> states = new ConcurrentHashMap<>();
    /** Told the reason of each connection it closes: over_cap, header_timeout. */
    private final java.util.function.Consumer<String> closing;

    ConnectionGuard(int maxConnections, long headerMillis, ScheduledExecutorService timer,
                    java.util.function.Consumer<String> closing) {
        this.maxConnections = maxConnections;
        this.headerMillis = headerMillis;
        this.timer = timer;
        this.closing = closing;
    }

    /** Connections open now (shed ones included until they close). */
    int open() {
        return open.get();
    }

    @Override
    public void onOpened(Connection c) {
        if (open.incrementAndGet() > maxConnections) {
            closing.accept("over_cap");
            rawClose(c, "503 Service Unavailable", "Retry-After: 1\r\n", "{\"error\":\"overloaded\",\"message\":\"more than "
                    + maxConnections + " open connections (--max-connections)\"}");
            return;
        }
        State s = new State();
        states.put(c, s);
        arm(c, s);
    }

    @Override
    public void onClosed(Connection c) {
        open.decrementAndGet();
        State s = states.remove(c);
        if (s != null && s.deadline != null) s.deadline.cancel(false);
    }

    /** False for a connection that was shed (its request, if Jetty parsed one, gets no answer). */
    boolean requestBegins(Connection c) {
        State s = states.get(c);
        if (s == null) return false;
        s.begun.incrementAndGet();
        s.active.incrementAndGet();
        ScheduledFuture<?> d = s.deadline;
        if (d != null) d.cancel(false);
        return true;
    }

    void requestEnds(Connection c) {
        State s = states.get(c);
        if (s != null && s.active.decrementAndGet() == 0) arm(c, s);
    }

    private void arm(Connection c, State s) {
        int begun = s.begun.get();
        long bytesIn = c.getBytesIn();
        s.deadline = timer.schedule(() -> {
            if (s.active.get() > 0 || s.begun.get() != begun || !states.containsKey(c)) return;
            closing.accept("header_timeout");
            if (c.getBytesIn() > bytesIn) {
                LOG.fine(() -> "request headers not complete within " + headerMillis + " ms: closing " + c.getEndPoint());
                rawClose(c, "408 Request Timeout", "", "{\"error\":\"request_timeout\",\"message\":\"request headers not "
                        + "complete within " + headerMillis + " ms (--header-timeout-ms)\"}");
            } else {
                c.getEndPoint().close();
            }
        }, headerMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Writes a whole response straight to the socket, bypassing the HTTP parser, then half-closes it and closes it a
     * moment later: closing at once with the client's request unread would reset the connection, and the client
     * would see the reset instead of the answer.
     */
    private void rawClose(Connection c, String statusLine, String headers, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("HTTP/1.1 " + statusLine + "\r\nContent-Type: application/json\r\nConnection: close\r\n" + headers
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        EndPoint ep = c.getEndPoint();
        try {
            ep.write(Callback.from(() -> {
                ep.shutdownOutput();
                timer.schedule((Runnable) ep::close, LINGER_MILLIS, TimeUnit.MILLISECONDS);
            }, x -> ep.close()), ByteBuffer.wrap(head), ByteBuffer.wrap(body));
        } catch (RuntimeException e) {
            ep.close(); // a write already pending (the connection is answering something): just close
        }
    }
}
