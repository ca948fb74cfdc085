package io.swin4j.serve;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MultipartTest {

    private static byte[] body(String boundary, Object... nameFilenameData) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < nameFilenameData.length; i += 3) {
            String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + nameFilenameData[i] + "\""
                    + (nameFilenameData[i + 1] != null ? "; filename=\"" + nameFilenameData[i + 1] + "\"" : "")
                    + "\r\nContent-Type: application/octet-stream\r\n\r\n";
            out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
            out.writeBytes((byte[]) nameFilenameData[i + 2]);
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    @Test
    void splitsPartsKeepingBinaryDataThatLooksLikeDelimiters() {
        byte[] tricky = "x\r\n--notTheBoundary\r\n\r\n\0\1\2".getBytes(StandardCharsets.ISO_8859_1);
        byte[] body = body("XyZ", "image", "a.png", tricky, "image", "b c.jpg", new byte[]{1, 2, 3}, "note", null, new byte[0]);
        List<Multipart.Part> parts = Multipart.parse(body, Multipart.boundary("multipart/form-data; boundary=XyZ"));
        assertThat(parts).hasSize(3);
        assertThat(parts.get(0).filename()).isEqualTo("a.png");
        assertThat(parts.get(0).data()).containsExactly(tricky);
        assertThat(parts.get(1).label(1)).isEqualTo("b c.jpg");
        assertThat(parts.get(1).data()).containsExactly(1, 2, 3);
        assertThat(parts.get(2).label(2)).isEqualTo("note");
        assertThat(parts.get(2).data()).isEmpty();
    }

    @Test
    void readsQuotedBoundariesAndNamesWhatIsWrong() {
        assertThat(Multipart.boundary("multipart/form-data; boundary=\"a b\"; charset=utf-8")).isEqualTo("a b");
        assertThatThrownBy(() -> Multipart.boundary("multipart/form-data"))
                .isInstanceOf(HttpError.class).hasMessageContaining("without a boundary");
        byte[] truncated = java.util.Arrays.copyOf(body("B", "f", "x.png", new byte[100]), 120);
        assertThatThrownBy(() -> Multipart.parse(truncated, "B"))
                .isInstanceOf(HttpError.class).hasMessageContaining("part 1 is not terminated");
        assertThatThrownBy(() -> Multipart.parse("hello".getBytes(StandardCharsets.UTF_8), "B"))
                .isInstanceOf(HttpError.class).hasMessageContaining("without its boundary");
    }
}
