package io.swin4j.vision;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Decoding, resizing and eval presets equal Pillow 9.4 / torchvision 0.14 byte for byte
 * (references: tools/reference/make_vision_fixtures.py, compared by sha256). Pure Java.
 */
class VisionReferenceTest {

    private static final Path DIR = Fixtures.root().resolve("vision");
    private static final JsonNode EXPECTED = Fixtures.json(DIR.resolve("expected.json"));
    private static final ImageDecoder DECODER = new ImageDecoder();

    private static String sha(RgbImage img) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(img.rgb()));
    }

    private static RgbImage decode(String relative) throws Exception {
        return DECODER.decode(DIR.resolve(relative));
    }

    @Test
    void decodesEveryModeAndFormatLikePillowConvertRgb() throws Exception {
        int checked = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = EXPECTED.get("decode").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            RgbImage img = decode(e.getKey());
            assertThat(new int[] {img.width(), img.height()}).as(e.getKey())
                    .containsExactly(e.getValue().get("size").get(0).asInt(), e.getValue().get("size").get(1).asInt());
            assertThat(sha(img)).as(e.getKey() + " pixels").isEqualTo(e.getValue().get("sha256").asText());
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(20);
    }

    @Test
    void resizeEqualsPillowPixelForPixel() throws Exception {
        int checked = 0;
        for (JsonNode r : EXPECTED.get("resize")) {
            RgbImage src = decode(r.get("source").asText());
            PillowResize.Filter f = PillowResize.Filter.valueOf(r.get("filter").asText());
            RgbImage out = PillowResize.resize(src, r.get("size").get(0).asInt(), r.get("size").get(1).asInt(), f);
            assertThat(sha(out)).as("%s -> %s %s", r.get("source").asText(), r.get("size"), f).isEqualTo(r.get("sha256").asText());
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(60);
    }

    @Test
    void presetsCropExactlyAsTorchvision() throws Exception {
        for (JsonNode p : EXPECTED.get("presets")) {
            RgbImage src = decode(p.get("source").asText());
            String name = p.get("preset").asText();
            RgbImage out = name.equals("crop_only_128") ? EvalPreset.centerCrop(src, 128, 128) : EvalPreset.named(name).prepare(src);
            assertThat(new int[] {out.width(), out.height()}).as(name)
                    .containsExactly(p.get("size").get(0).asInt(), p.get("size").get(1).asInt());
            assertThat(sha(out)).as("%s on %s", name, p.get("source").asText()).isEqualTo(p.get("sha256").asText());
        }
    }

    @Test
    void normalizationEqualsTorchForEveryLevel() {
        JsonNode table = EXPECTED.get("normalize");
        byte[] levels = new byte[256 * 3];
        for (int v = 0; v < 256; v++) for (int c = 0; c < 3; c++) levels[v * 3 + c] = (byte) v;
        float[] ours = EvalPreset.named("official_224").normalize(new RgbImage(1, 256, levels));
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                assertThat(ours[c * 256 + v]).as("channel %d level %d", c, v).isEqualTo((float) table.get(c).get(v).asDouble());
            }
        }
    }

    @Test
    void brokenImagesAreRefusedWithTheirNameAndReason() {
        for (Iterator<Map.Entry<String, JsonNode>> it = EXPECTED.get("errors").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            assertThatThrownBy(() -> decode(e.getKey())).as(e.getKey()).isInstanceOf(ImageDecodeException.class)
                    .hasMessageContaining(Path.of(e.getKey()).getFileName().toString())
                    .hasMessageContaining(e.getValue().asText());
        }
        assertThatThrownBy(() -> new ImageDecoder(1000).decode(DIR.resolve("rocket.jpg")))
                .hasMessageContaining("exceeds the limit of 1000");
    }
}
