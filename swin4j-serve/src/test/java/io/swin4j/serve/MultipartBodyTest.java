package io.swin4j.serve;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * RFC 2046 §5.1.1 / RFC 7578 bodies written out by hand: preamble and epilogue ignored, transport padding after a
 * delimiter allowed, header names case-insensitive, boundaries of 1..70 characters.
 */
class MultipartBodyTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void recognisesFormDataWhateverTheCase() {
        assertThat(Multipart.isMultipart("multipart/form-data; boundary=a")).isTrue();
        assertThat(Multipart.isMultipart("Multipart/Form-Data;boundary=a")).isTrue();
        assertThat(Multipart.isMultipart("multipart/mixed; boundary=a")).isFalse();
        assertThat(Multipart.isMultipart("image/png")).isFalse();
        assertThat(Multipart.isMultipart(null)).isFalse();
    }

    @Test
    void boundaryParameterUnquotedQuotedAndItsLengthLimit() {
        assertThat(Multipart.boundary("multipart/form-data; boundary=abc; charset=utf-8")).isEqualTo("abc");
        assertThat(Multipart.boundary("multipart/form-data; BOUNDARY=abc")).isEqualTo("abc");
        assertThat(Multipart.boundary("multipart/form-data; boundary=\"x;y\"")).isEqualTo("x;y");
        String seventy = "b".repeat(70);
        assertThat(Multipart.boundary("multipart/form-data; boundary=" + seventy)).isEqualTo(seventy);
        HttpError tooLong = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> Multipart.boundary("multipart/form-data; boundary=" + "b".repeat(71)), HttpError.class);
        assertThat(tooLong.status).isEqualTo(400);
        assertThat(tooLong.code).isEqualTo("bad_multipart");
        assertThat(tooLong).hasMessage("invalid multipart boundary: " + "b".repeat(71));
        HttpError none = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> Multipart.boundary("multipart/form-data; charset=utf-8"), HttpError.class);
        assertThat(none.status).isEqualTo(400);
        assertThat(none.code).isEqualTo("bad_multipart");
        assertThat(none).hasMessage("multipart Content-Type without a boundary: multipart/form-data; charset=utf-8");
    }

    @Test
    void ignoresPreambleAndEpilogueAndAcceptsTransportPadding() {
        byte[] body = bytes("This is the preamble.\r\n"
                + "--sep \t\r\n"
                + "content-disposition: form-data; name=\"first\"\r\n"
                + "CONTENT-TYPE: image/png\r\n"
                + "X-No-Colon-Line\r\n"
                + "\r\n"
                + "AB\r\n"
                + "--sep\r\n"
                + "Content-Disposition: form-data; filename=\"f.jpg\"; name=\"second\"\r\n"
                + "\r\n"
                + "--se\r\n"
                + "--sep--\r\n"
                + "This is the epilogue.\r\n--sep\r\n");
        List<Multipart.Part> parts = Multipart.parse(body, "sep");
        assertThat(parts).hasSize(2);
        Multipart.Part a = parts.get(0), b = parts.get(1);
        assertThat(a.name()).isEqualTo("first");
        assertThat(a.filename()).isNull();
        assertThat(a.contentType()).isEqualTo("image/png");
        assertThat(a.data()).containsExactly(bytes("AB"));
        assertThat(b.name()).isEqualTo("second");
        assertThat(b.filename()).isEqualTo("f.jpg");
        assertThat(b.contentType()).isNull();
        assertThat(b.data()).containsExactly(bytes("--se"));
    }

    /** RFC 2046 §5.1.1: a body part that starts with a blank line has no header fields; its data follows at once. */
    @Test
    void aPartWithNoHeaderFieldsStartsWithABlankLine() {
        List<Multipart.Part> parts = Multipart.parse(bytes("--x\r\n\r\nfirst\r\n--x\r\n\r\n\r\n\r\nsecond\r\n--x--"), "x");
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0).data()).containsExactly(bytes("first"));
        assertThat(parts.get(0).name()).isNull();
        assertThat(parts.get(0).contentType()).isNull();
        assertThat(parts.get(1).data()).containsExactly(bytes("\r\n\r\nsecond"));
        assertThat(parts.get(1).label(1)).isEqualTo("part 2");
    }

    @Test
    void aBodyOfOnlyTheClosingDelimiterHasNoParts() {
        assertThat(Multipart.parse(bytes("--x--\r\n"), "x")).isEmpty();
        assertThat(Multipart.parse(bytes("--x--"), "x")).isEmpty();
    }

    @Test
    void partsWithoutDispositionAreLabelledByPosition() {
        byte[] body = bytes("--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x\r\n"
                + "Content-Disposition: form-data; name=\"\"; filename=\"\"\r\n\r\n\r\n--x--");
        List<Multipart.Part> parts = Multipart.parse(body, "x");
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0).name()).isNull();
        assertThat(parts.get(0).label(0)).isEqualTo("part 1");
        assertThat(parts.get(1).name()).isEmpty();
        assertThat(parts.get(1).label(1)).isEqualTo("part 2");
        assertThat(new Multipart.Part("field", " ", null, new byte[0]).label(4)).isEqualTo("field");
        assertThat(new Multipart.Part(" ", null, null, new byte[0]).label(4)).isEqualTo("part 5");
        assertThat(new Multipart.Part("field", "a.png", null, new byte[0]).label(4)).isEqualTo("a.png");
    }

    @Test
    void malformedBodiesSayWhereTheyBreak() {
        HttpError noLineEnd = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> Multipart.parse(bytes("--x junk\r\n\r\n\r\ndata\r\n--x--"), "x"), HttpError.class);
        assertThat(noLineEnd.status).isEqualTo(400);
        assertThat(noLineEnd).hasMessage("malformed multipart delimiter line at byte 4");
        assertThatThrownBy(() -> Multipart.parse(bytes("--x"), "x")).isInstanceOf(HttpError.class)
                .hasMessage("malformed multipart delimiter line at byte 3");
        assertThatThrownBy(() -> Multipart.parse(bytes("--x\r\nContent-Disposition: form-data\r\n"), "x"))
                .isInstanceOf(HttpError.class).hasMessage("multipart part 1 has no end of headers");
        assertThatThrownBy(() -> Multipart.parse(bytes("--x\r\nA: a\r\n\r\none\r\n--x\r\nA: b\r\n"), "x"))
                .isInstanceOf(HttpError.class).hasMessage("multipart part 2 has no end of headers");
        assertThatThrownBy(() -> Multipart.parse(bytes("--x\r\nA: a\r\n\r\none\r\n--x\r\nA: b\r\n\r\ntwo"), "x"))
                .isInstanceOf(HttpError.class).hasMessage("multipart part 2 is not terminated (truncated body?)");
        assertThatThrownBy(() -> Multipart.parse(bytes("-x\r\n"), "x"))
                .isInstanceOf(HttpError.class).hasMessage("multipart body without its boundary \"x\"");
    }

    @Test
    void indexOfFindsTheFirstMatchAtOrAfterTheStart() {
        byte[] hay = bytes("abcabc");
        assertThat(Multipart.indexOf(hay, bytes("abc"), 0)).isEqualTo(0);
        assertThat(Multipart.indexOf(hay, bytes("abc"), 1)).isEqualTo(3);
        assertThat(Multipart.indexOf(hay, bytes("abc"), -5)).isEqualTo(0);
        assertThat(Multipart.indexOf(hay, bytes("abc"), 4)).isEqualTo(-1);
        assertThat(Multipart.indexOf(hay, bytes("bcx"), 0)).isEqualTo(-1);
        assertThat(Multipart.indexOf(hay, bytes("c"), 0)).isEqualTo(2);
        assertThat(Multipart.indexOf(hay, bytes("abcabcd"), 0)).isEqualTo(-1);
    }
}
