package io.swin4j.serve;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The multipart parser's limits (bytes per part, parts) hold while it parses, and its search is the plain one. */
@Tag("hostile")
class MultipartLimitsTest {

    static byte[] body(String boundary, int parts, int bytesEach) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < parts; i++) {
            b.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p")
                    .append(i).append(".png\"\r\n\r\n").append("x".repeat(bytesEach)).append("\r\n");
        }
        b.append("--").append(boundary).append("--\r\n");
        return b.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aPartOverTheImageLimitIs413NamingThePart() {
        byte[] atLimit = body("B", 2, 100);
        assertThat(Multipart.parse(atLimit, "B", new Multipart.Limits(100, 8))).hasSize(2);
        byte[] over = body("B", 2, 101);
        assertThatThrownBy(() -> Multipart.parse(over, "B", new Multipart.Limits(100, 8)))
                .isInstanceOfSatisfying(HttpError.class, e -> assertThat(e.status).isEqualTo(413))
                .hasMessage("multipart part 1 (p0.png) has 101 bytes, over the image limit of 100 bytes (--max-image-mb)");
    }

    @Test
    void morePartsThanTheLimitIs413() {
        assertThat(Multipart.parse(body("B", 3, 1), "B", new Multipart.Limits(10, 3))).hasSize(3);
        assertThatThrownBy(() -> Multipart.parse(body("B", 4, 1), "B", new Multipart.Limits(10, 3)))
                .isInstanceOfSatisfying(HttpError.class, e -> assertThat(e.status).isEqualTo(413))
                .hasMessageContaining("more than 3 parts");
    }

    /** The reference: the obvious quadratic search, written out here. */
    static int naiveIndexOf(byte[] h, byte[] n, int from) {
        outer:
        for (int i = Math.max(0, from); i <= h.length - n.length; i++) {
            for (int j = 0; j < n.length; j++) if (h[i + j] != n[j]) continue outer;
            return i;
        }
        return -1;
    }

    @Test
    void theLinearSearchFindsWhatThePlainSearchFinds() {
        Random r = new Random(18);
        for (int trial = 0; trial < 20_000; trial++) {
            byte[] h = new byte[r.nextInt(40)];
            byte[] n = new byte[1 + r.nextInt(6)];
            for (int i = 0; i < h.length; i++) h[i] = (byte) ('a' + r.nextInt(2)); // two letters: many near-misses
            for (int i = 0; i < n.length; i++) n[i] = (byte) ('a' + r.nextInt(2));
            int from = r.nextInt(h.length + 2) - 1;
            assertThat(Multipart.indexOf(h, n, from)).as("%s in %s from %d", new String(n), new String(h), from)
                    .isEqualTo(naiveIndexOf(h, n, from));
        }
    }
}
