package io.swin4j.weights.layout;

import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;

import java.util.Map;

/** The canonical parameter names and shapes a config needs: the declared model tree's, in registration order. */
public final class CanonicalKeys {

    private CanonicalKeys() {}

    public static Map<String, long[]> expected(SwinConfig c) {
        return SwinTransformer.parameterShapes(c);
    }

    public static long parameterCount(SwinConfig c) {
        long n = 0;
        for (long[] s : expected(c).values()) {
            long k = 1;
            for (long d : s) k *= d;
            n += k;
        }
        return n;
    }
}
