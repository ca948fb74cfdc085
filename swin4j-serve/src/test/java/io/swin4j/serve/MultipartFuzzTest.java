package io.swin4j.serve;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Jazzer harness of the multipart parser ({@code tools/fuzz.sh multipart SECONDS}). Input layout: byte 0 gives the
 * boundary's length (1-64), the next bytes are the boundary as the Content-Type names it, the rest is the body.
 * Only {@link HttpError} (400 malformed, 413 over a limit) may come out; anything else is a finding. Seeds and
 * regression inputs: src/test/resources/io/swin4j/serve/MultipartFuzzTestInputs/fuzz (seeds written by
 * {@link MultipartSeeds}).
 */
class MultipartFuzzTest {

    static final Multipart.Limits LIMITS = new Multipart.Limits(4096, 8);

    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length == 0) return;
        int n = Math.min(1 + (data[0] & 63), data.length - 1);
        String declared = new String(data, 1, n, StandardCharsets.ISO_8859_1);
        byte[] body = Arrays.copyOfRange(data, 1 + n, data.length);
        try {
            String contentType = "multipart/form-data; boundary=" + declared;
            if (!Multipart.isMultipart(contentType)) throw new AssertionError("not multipart: " + contentType);
            List<Multipart.Part> parts = Multipart.parse(body, Multipart.boundary(contentType), LIMITS);
            if (parts.size() > LIMITS.maxParts()) throw new AssertionError(parts.size() + " parts past the limit");
            for (int i = 0; i < parts.size(); i++) {
                Multipart.Part p = parts.get(i);
                if (p.data().length > LIMITS.maxPartBytes()) throw new AssertionError("part over the limit");
                if (p.label(i) == null) throw new AssertionError("part without a label");
            }
        } catch (HttpError e) {
            if (e.status != 400 && e.status != 413) throw new AssertionError("unexpected status " + e.status, e);
            if (e.getMessage() == null || e.getMessage().isEmpty()) throw new AssertionError("error without a message", e);
        }
    }

    @FuzzTest
    void fuzz(byte[] data) {
        fuzzerTestOneInput(data);
    }
}
