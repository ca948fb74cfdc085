package io.swin4j.train.data;

import io.swin4j.vision.ImageDecodeException;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading the generated scenes back, and every way a mask can be wrong. */
class SegmentationFolderTest {

    private static FashionMnist.Split items() {
        byte[] images = new byte[2 * 28 * 28];
        for (int i = 0; i < images.length; i++) images[i] = (byte) (i * 13);
        return new FashionMnist.Split(2, 28, 28, images, new byte[] {4, 8});
    }

    @Test
    void readsBackWhatTheGeneratorWrote(@TempDir Path dir) throws Exception {
        FashionMnistScenes.write(dir, "val", items(), 3, 40, 11);
        SegmentationFolder f = new SegmentationFolder(dir, "val", FashionMnistScenes.CLASSES.size(), new ImageDecoder());
        assertThat(f.size()).isEqualTo(3);
        Random rng = new Random(11);
        for (int i = 0; i < 3; i++) {
            FashionMnistScenes.Scene s = FashionMnistScenes.scene(items(), 40, rng);
            SegmentationFolder.Sample got = f.sample(i);
            assertThat(got.mask()).isEqualTo(s.mask());
            assertThat(got.image().rgb()).isEqualTo(s.image().rgb());
        }
    }

    @Test
    void paletteMasksAndTheIgnoreIndexAreAccepted(@TempDir Path dir) throws Exception {
        Path mask = dir.resolve("m.png");
        byte[] values = {0, 1, (byte) 255, 2};
        Files.write(mask, palettePng(values, 2, 2));
        assertThat(SegmentationFolder.readMask(mask, 2, 2, 3, 1000)).containsExactly(values);
    }

    @Test
    void wrongMasksAreErrorsNamingTheFile(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.png");
        Files.write(bad, FashionMnistScenes.greyPng(new byte[] {0, 3, 11, 1}, 2, 2));
        assertThatThrownBy(() -> SegmentationFolder.readMask(bad, 2, 2, 11, 1000)).isInstanceOf(ImageDecodeException.class)
                .hasMessageContaining(bad.toString()).hasMessageContaining("class index 11 at (0, 1) is not below 11");
        assertThatThrownBy(() -> SegmentationFolder.readMask(bad, 3, 2, 12, 1000))
                .hasMessageContaining("mask is 2x2, its image 3x2");
        assertThatThrownBy(() -> SegmentationFolder.readMask(bad, 2, 2, 12, 3))
                .hasMessageContaining("mask of 4 pixels exceeds the limit of 3");
        Path rgb = dir.resolve("rgb.png");
        Files.write(rgb, new RgbImage(2, 2, new byte[12]).toPng());
        assertThatThrownBy(() -> SegmentationFolder.readMask(rgb, 2, 2, 12, 1000))
                .hasMessageContaining("a mask must be an 8-bit grey or palette PNG");
        Path junk = dir.resolve("junk.png");
        Files.write(junk, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SegmentationFolder.readMask(junk, 2, 2, 12, 1000)).isInstanceOf(ImageDecodeException.class)
                .hasMessageContaining(junk.toString());

        FashionMnistScenes.write(dir.resolve("set"), "train", items(), 2, 32, 0);
        Files.delete(dir.resolve("set/masks/train/00001.png"));
        assertThatThrownBy(() -> new SegmentationFolder(dir.resolve("set"), "train", 11, new ImageDecoder()))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("00001.png")
                .hasMessageContaining("the mask of " + dir.resolve("set/images/train/00001.png") + " is missing");
        assertThatThrownBy(() -> new SegmentationFolder(dir.resolve("set"), "val", 11, new ImageDecoder()))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("no image folder for split val");
    }

    private static byte[] palettePng(byte[] values, int w, int h) throws Exception {
        byte[] r = new byte[256], g = new byte[256], b = new byte[256];
        for (int i = 0; i < 256; i++) r[i] = (byte) (i * 37);
        java.awt.image.IndexColorModel cm = new java.awt.image.IndexColorModel(8, 256, r, g, b);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, cm);
        img.getRaster().setDataElements(0, 0, w, h, values);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        javax.imageio.ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
