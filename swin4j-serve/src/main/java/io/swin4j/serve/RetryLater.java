package io.swin4j.serve;

/** 503 with Retry-After: the service is busy, the request may succeed later. */
final class RetryLater extends HttpError {
    RetryLater(String message) {
        super(503, "overloaded", message);
    }
}
