package io.swin4j.serve;

/** A request the service answers with an error status and a JSON body {@code {"error": code, "message": ...}}. */
class HttpError extends RuntimeException {
    final int status;
    final String code;

    HttpError(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }
}
