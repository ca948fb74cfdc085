package io.swin4j.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Pipeline results as JSON, the one place every front end takes them from: the server's answers
 * ({@code {"results": [{"name": ..., <field>: ...}]}}) and JSON Lines records ({@code {"path": ..., <field>: ...}}).
 * A task writes its own answer ({@link Task#toJson}) and names its fields ({@link Task#jsonField},
 * {@link Task#lineField}); a failed input has {@code "error"} instead.
 */
public final class ResultJson {

    /** The mapper every answer is written with. */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private ResultJson() {}

    /** One result of a server's answer: {@code {"name": source, field: answer}} or {@code {"name": source, "error": ...}}. */
    public static <O> ObjectNode entry(Result<O> r, Task<?, ?, O> task) {
        ObjectNode o = MAPPER.createObjectNode().put("name", r.source());
        if (r.ok()) o.set(task.jsonField(), task.toJson(r.value()));
        else o.put("error", r.error());
        return o;
    }

    /** A server's answer for a request's inputs: {@code {"results": [entry, ...]}}. */
    public static <O> ObjectNode results(List<Result<O>> results, Task<?, ?, O> task) {
        ObjectNode body = MAPPER.createObjectNode();
        ArrayNode all = body.putArray("results");
        for (Result<O> r : results) all.add(entry(r, task));
        return body;
    }

    /** One JSON Lines record (no line break): {@code {"path": source, field: answer}} or with {@code "error"}. */
    public static <O> String line(Result<O> r, Task<?, ?, O> task) {
        ObjectNode o = MAPPER.createObjectNode().put("path", r.source());
        if (r.ok()) o.set(task.lineField(), task.toJson(r.value()));
        else o.put("error", r.error());
        try {
            return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }
}
