package io.swin4j.serve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the seed corpus of {@link MultipartFuzzTest} (valid and nearly valid multipart bodies, in the harness's
 * layout: boundary length byte, boundary, body):
 * {@code java -cp swin4j-serve/target/test-classes:swin4j-serve/target/classes io.swin4j.serve.MultipartSeeds DIR}.
 */
final class MultipartSeeds {

    private MultipartSeeds() {}

    static byte[] input(String boundary, String body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(boundary.length() - 1);
        out.writeBytes(boundary.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(body.getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    static String part(String b, String name, String filename, String data) {
        return "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\""
                + (filename == null ? "" : "; filename=\"" + filename + "\"")
                + "\r\nContent-Type: image/png\r\n\r\n" + data + "\r\n";
    }

    static Map<String, byte[]> seeds() {
        Map<String, byte[]> s = new LinkedHashMap<>();
        String b = "XyZ";
        s.put("seed-one-part", input(b, part(b, "image", "a.png", "\u0089PNG\r\n\u001a\n") + "--" + b + "--\r\n"));
        s.put("seed-two-parts", input(b, part(b, "image", "a.png", "abc") + part(b, "note", null, "") + "--" + b + "--"));
        s.put("seed-no-headers", input(b, "--" + b + "\r\n\r\nraw\r\n--" + b + "--"));
        s.put("seed-padding-preamble", input("q", "preamble\r\n--q \t\r\nContent-Disposition: form-data; name=x\r\n\r\n"
                + "--qq\r\n--q--\r\n"));
        s.put("seed-truncated", input(b, part(b, "image", "a.png", "abcdef").substring(0, 60)));
        s.put("seed-tricky-data", input(b, part(b, "f", "b.jpg", "x\r\n--X\r\n\r\n--XyZ-") + "--" + b + "--"));
        return s;
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : seeds().entrySet()) Files.write(dir.resolve(e.getKey()), e.getValue());
    }
}
