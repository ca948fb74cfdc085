package io.swin4j.vision;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Label maps against mmseg's own {@code show_result} and a Pillow palette PNG (fixtures/label_map,
 * tools/reference/make_label_map_fixtures.py).
 */
class LabelMapTest {

    private static final JsonNode CASE = Fixtures.json(Fixtures.root().resolve("label_map/cases.json"));

    private static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = n.get(i).asInt();
        return out;
    }

    private static byte[] bytes(JsonNode n) {
        int[] v = ints(n);
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (byte) v[i];
        return out;
    }

    private static Palette palette() {
        List<int[]> colors = new ArrayList<>();
        CASE.get("palette").forEach(c -> colors.add(ints(c)));
        return Palette.of(colors);
    }

    private static LabelMap labels() {
        return new LabelMap(CASE.get("width").asInt(), CASE.get("height").asInt(), bytes(CASE.get("labels")));
    }

    @Test
    void overlayEqualsMmsegShowResult() {
        RgbImage image = new RgbImage(CASE.get("width").asInt(), CASE.get("height").asInt(), bytes(CASE.get("image")));
        RgbImage overlay = labels().overlay(image, palette(), 0.5);
        assertThat(overlay.rgb()).containsExactly(bytes(CASE.get("overlay")));
    }

    @Test
    void palettePngHoldsTheClassIndicesAndColoursAsPillowWritesThem() throws IOException {
        BufferedImage ours = ImageIO.read(new ByteArrayInputStream(labels().toPalettePng(palette())));
        BufferedImage pil = ImageIO.read(Fixtures.root().resolve("label_map/pil_palette.png").toFile());
        int w = pil.getWidth(), h = pil.getHeight();
        assertThat(ours.getColorModel()).isInstanceOf(IndexColorModel.class);
        int[] a = ours.getRaster().getSamples(0, 0, w, h, 0, (int[]) null);
        int[] b = pil.getRaster().getSamples(0, 0, w, h, 0, (int[]) null);
        assertThat(a).containsExactly(b);
        IndexColorModel ca = (IndexColorModel) ours.getColorModel(), cb = (IndexColorModel) pil.getColorModel();
        for (int c = 0; c < CASE.get("classes").asInt(); c++) assertThat(ca.getRGB(c)).as("class %d", c).isEqualTo(cb.getRGB(c));
    }

    @Test
    void classFractionsCountEveryClassAndSkipTheIgnoreIndex() {
        double[] f = labels().classFractions(CASE.get("classes").asInt());
        JsonNode expected = CASE.get("fractions");
        for (int i = 0; i < f.length; i++) assertThat(f[i]).isEqualTo(expected.get(i).asDouble());
        assertThat(java.util.Arrays.stream(f).sum()).isLessThan(1.0); // the ignore pixel is in no class
    }

    @Test
    void vocPaletteIsThePascalVocDevkitColourMap() {
        // PASCAL VOC 2012 devkit, labelcolormap.m: background, aeroplane ... tvmonitor, and 255 (void)
        int[][] voc = {{0, 0, 0}, {128, 0, 0}, {0, 128, 0}, {128, 128, 0}, {0, 0, 128}, {128, 0, 128}, {0, 128, 128},
                {128, 128, 128}, {64, 0, 0}, {192, 0, 0}, {64, 128, 0}, {192, 128, 0}, {64, 0, 128}, {192, 0, 128},
                {64, 128, 128}, {192, 128, 128}, {0, 64, 0}, {128, 64, 0}, {0, 192, 0}, {128, 192, 0}, {0, 64, 128}};
        Palette p = Palette.voc(256);
        for (int i = 0; i < voc.length; i++) assertThat(p.rgb(i)).as("class %d", i).containsExactly(voc[i]);
        assertThat(p.rgb(255)).containsExactly(224, 224, 192);
        assertThat(p.hex(15)).isEqualTo("#c08080");
    }

    @Test
    void refusesMismatchedSizesAndBadColours() {
        RgbImage small = new RgbImage(2, 2, new byte[12]);
        assertThatThrownBy(() -> labels().overlay(small, palette(), 0.5)).hasMessageContaining("the image 2x2");
        assertThatThrownBy(() -> new LabelMap(3, 3, new byte[8])).hasMessageContaining("needs 9 labels");
        assertThatThrownBy(() -> Palette.of(List.of(new int[] {0, 300, 0}))).hasMessageContaining("not 0..255");
    }
}
