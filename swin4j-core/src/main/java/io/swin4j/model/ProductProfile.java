package io.swin4j.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Wall time spent in the model's linear products (fp32 or int8), per kind of layer, while open: what a profile of a
 * forward pass needs to split "matrix products" from everything else (attention, norms, GELU, gathers, copies). CPU
 * kernels are synchronous, so the time around a call is the call's. Open with {@link SwinTransformer#profileProducts()};
 * close to detach.
 */
public final class ProductProfile implements AutoCloseable {

    private final Map<String, Quantizable> layers;
    private final Map<String, LongAdder> byKind = new LinkedHashMap<>();
    private final Map<String, LongAdder> calls = new LinkedHashMap<>();

    ProductProfile(Map<String, Quantizable> layers) {
        this.layers = layers;
        layers.forEach((name, q) -> {
            String kind = name.substring(name.lastIndexOf('.') + 1);
            LongAdder t = byKind.computeIfAbsent(kind, k -> new LongAdder());
            LongAdder c = calls.computeIfAbsent(kind, k -> new LongAdder());
            q.time(nanos -> {
                t.add(nanos);
                c.increment();
            });
        });
    }

    /** Nanoseconds per kind of layer ("qkv", "proj", "fc1", "fc2", "reduction", "head", "proj" of the patch embedding). */
    public Map<String, Long> nanosByKind() {
        Map<String, Long> out = new LinkedHashMap<>();
        byKind.forEach((k, v) -> out.put(k, v.sum()));
        return Collections.unmodifiableMap(out);
    }

    public long totalNanos() {
        return byKind.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public long calls() {
        return calls.values().stream().mapToLong(LongAdder::sum).sum();
    }

    @Override
    public void close() {
        layers.values().forEach(q -> q.time(null));
    }
}
