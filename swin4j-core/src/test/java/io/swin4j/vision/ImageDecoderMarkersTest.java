package io.swin4j.vision;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * JPEGs whose header markers were rearranged byte by byte (tools/reference/make_decoder_fixtures.py, fixtures/decoder/markers):
 * ICC_PROFILE (APP2) found behind a 300-byte comment, a non-ICC APP2 and the tag on the wrong marker; Adobe APP14
 * with transform 0 (RGB samples, which libjpeg honours only without a JFIF APP0), transform 1, a short Adobe marker
 * and a non-Adobe APP14; CMYK with a varied K channel with and without the Adobe marker. Each must decode to
 * exactly what Pillow 9.4's Image.open(f).convert('RGB') gives (sha256 of the RGB bytes).
 */
class ImageDecoderMarkersTest {

    private static final Path DIR = Fixtures.root().resolve("decoder").resolve("markers");

    static List<String> files() {
        List<String> names = new ArrayList<>();
        Fixtures.json(DIR.resolve("expected.json")).get("decode").fieldNames().forEachRemaining(names::add);
        return names;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void decodesAsPillowConvertRgb(String name) throws Exception {
        JsonNode e = Fixtures.json(DIR.resolve("expected.json")).get("decode").get(name);
        RgbImage img = new ImageDecoder().decode(DIR.resolve(name));
        assertThat(new int[] {img.width(), img.height()}).as(name)
                .containsExactly(e.get("size").get(0).asInt(), e.get("size").get(1).asInt());
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(img.rgb())))
                .as(name + " pixels (Pillow mode " + e.get("mode").asText() + ")").isEqualTo(e.get("sha256").asText());
    }

    @Test
    void everyMarkerCaseIsThere() {
        assertThat(files()).hasSize(17).contains("icc_walk.jpg", "icc_adobe0_nojfif.jpg", "icc_cmyk_noadobe.jpg");
    }
}
