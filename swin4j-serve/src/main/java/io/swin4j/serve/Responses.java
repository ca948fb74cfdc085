package io.swin4j.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The service's answers: JSON bodies (an error's is {@code {"error": code, "message": ...}}) and raw bytes. */
final class Responses {

    static final ObjectMapper JSON = new ObjectMapper();

    private Responses() {
    }

    static ObjectNode error(String code, String message) {
        return JSON.createObjectNode().put("error", code).put("message", message);
    }

    static int json(Exchange ex, int status, Object body) {
        return json(ex, status, body, false);
    }

    /** Sends {@code body} as JSON, closing the connection after it when {@code close}; returns the status. */
    static int json(Exchange ex, int status, Object body, boolean close) {
        try {
            return send(ex, status, "application/json", JSON.writeValueAsBytes(body), close);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    static int send(Exchange ex, int status, String contentType, byte[] body) {
        return send(ex, status, contentType, body, false);
    }

    static int send(Exchange ex, int status, String contentType, byte[] body, boolean close) {
        ex.respond(status, contentType, body, close);
        return status;
    }
}
