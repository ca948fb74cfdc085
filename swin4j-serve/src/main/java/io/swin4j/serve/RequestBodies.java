package io.swin4j.serve;

import org.eclipse.jetty.io.Content;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Request bodies under the limits: a POST's body received without holding a thread, capped while it arrives (413)
 * and under the body deadline (408), and the images of a complete body (a raw image, or a multipart body's parts).
 */
final class RequestBodies {

    /**
     * Past the body limit, up to this much in all is read and dropped before the 413 goes out: a server that
     * answers and closes while the client is still sending resets the connection, and the client never sees the
     * answer. A larger declared body is refused on its headers, and the connection closed.
     */
    private static final long DRAIN_LIMIT = 64L << 20;

    private final ServeOptions options;
    private final ScheduledExecutorService timer;
    /** Sends a request's error answer (the server's). */
    private final BiConsumer<Exchange, Throwable> fail;

    RequestBodies(ServeOptions options, ScheduledExecutorService timer, BiConsumer<Exchange, Throwable> fail) {
        this.options = options;
        this.timer = timer;
        this.fail = fail;
    }

    /**
     * Receives the body without holding a thread: Jetty calls back as bytes arrive. A body over the limit, or a
     * raw image over the image limit, is never buffered past the limit: its refusal (413) is known from the
     * declared length or as soon as the limit is passed, and the rest is dropped (up to {@link #DRAIN_LIMIT}) so
     * that the client can read the answer. The body deadline answers 408 and closes the connection. Then runs
     * {@code then} with {@link Exchange#body} set.
     */
    void read(Exchange ex, Runnable then) {
        long limit = options.maxBodyBytes();
        long declared = ex.request().getLength();
        HttpError refused = null;
        if (declared > limit) refused = tooLarge(Long.toString(declared));
        else if (!Multipart.isMultipart(ex.header("Content-Type")) && declared > options.maxImageBytes()) {
            refused = imageTooLarge(Long.toString(declared));
        }
        if (refused != null && declared > DRAIN_LIMIT) throw refused;
        ScheduledFuture<?> deadline = timer.schedule(() -> {
            if (!ex.bodyComplete) {
                fail.accept(ex, new HttpError(408, "request_timeout", "request body not received within "
                        + options.bodyTimeoutMillis() + " ms (--body-timeout-ms)"));
            }
        }, options.bodyTimeoutMillis(), TimeUnit.MILLISECONDS);
        HttpError firstRefusal = refused;
        new Runnable() {
            ByteArrayOutputStream out = firstRefusal == null
                    ? new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192) : null;
            HttpError refusal = firstRefusal;
            long received;

            @Override
            public void run() {
                try {
                    while (!ex.responded()) {
                        Content.Chunk chunk = ex.request().read();
                        if (chunk == null) {
                            ex.request().demand(this);
                            return;
                        }
                        if (Content.Chunk.isFailure(chunk)) {
                            deadline.cancel(false);
                            fail.accept(ex, new HttpError(400, "bad_body", "cannot read the request body: " + chunk.getFailure()));
                            return;
                        }
                        ByteBuffer b = chunk.getByteBuffer();
                        received += b.remaining();
                        if (refusal == null && received > limit) {
                            refusal = tooLarge("more than " + limit);
                            out = null; // what came so far is dropped, and so is the rest
                        }
                        if (out != null) {
                            byte[] bytes = new byte[b.remaining()];
                            b.get(bytes);
                            out.write(bytes, 0, bytes.length);
                        }
                        boolean last = chunk.isLast();
                        chunk.release();
                        if (refusal != null && (last || received > DRAIN_LIMIT)) {
                            deadline.cancel(false);
                            fail.accept(ex, refusal);
                            return;
                        }
                        if (last) {
                            deadline.cancel(false);
                            ex.body = out.toByteArray();
                            ex.bodyComplete = true;
                            then.run();
                            return;
                        }
                    }
                } catch (Throwable t) {
                    deadline.cancel(false);
                    fail.accept(ex, t);
                }
            }
        }.run();
    }

    private HttpError tooLarge(String size) {
        return new HttpError(413, "body_too_large", "request body of " + size + " bytes exceeds the limit of "
                + options.maxBodyBytes() + " bytes (--max-body-mb)");
    }

    private HttpError imageTooLarge(String size) {
        return new HttpError(413, "image_too_large", "image of " + size + " bytes exceeds the limit of "
                + options.maxImageBytes() + " bytes (--max-image-mb)");
    }

    /** The request's images: a raw body is one image, a multipart body one per part. */
    List<Multipart.Part> images(Exchange ex) {
        byte[] body = ex.body;
        String type = ex.header("Content-Type");
        if (!Multipart.isMultipart(type)) {
            if (body.length == 0) throw new HttpError(400, "empty_body", "empty request body: send an image (raw or multipart/form-data)");
            if (body.length > options.maxImageBytes()) throw imageTooLarge(Integer.toString(body.length));
            return List.of(new Multipart.Part(null, "body", type, body));
        }
        // Empty parts (a form's unused fields) do not count against the image limit; the rest are checked.
        List<Multipart.Part> parts = new ArrayList<>(Multipart.parse(body, Multipart.boundary(type),
                new Multipart.Limits(options.maxImageBytes(), Math.max(options.maxImages(), 2 * options.maxImages() + 8))));
        parts.removeIf(p -> p.filename() == null && p.data().length == 0);
        if (parts.isEmpty()) throw new HttpError(400, "no_images", "the multipart body has no parts with content");
        if (parts.size() > options.maxImages()) {
            throw new HttpError(413, "too_many_images", parts.size() + " images in one request exceed the limit of "
                    + options.maxImages() + " (--max-images)");
        }
        return parts;
    }
}
