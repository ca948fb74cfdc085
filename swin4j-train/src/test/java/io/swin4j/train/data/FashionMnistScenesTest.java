package io.swin4j.train.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The synthetic segmentation scenes: masks that match what was pasted, over an untouched background. */
class FashionMnistScenesTest {

    /** One 28×28 item of a constant grey value and a given label. */
    private static FashionMnist.Split constantItem(int grey, int label) {
        byte[] images = new byte[28 * 28];
        Arrays.fill(images, (byte) grey);
        return new FashionMnist.Split(1, 28, 28, images, new byte[] {(byte) label});
    }

    @Test
    void theMaskIsWhereAnItemCoversTheBackgroundAndNowhereElse() {
        for (long seed = 0; seed < 20; seed++) {
            // the same seed draws the same background, positions, sizes and tints: only the items' grey differs
            FashionMnistScenes.Scene white = FashionMnistScenes.scene(constantItem(255, 3), 64, new Random(seed));
            FashionMnistScenes.Scene black = FashionMnistScenes.scene(constantItem(0, 3), 64, new Random(seed));
            assertThat(white.labels()).isNotEmpty().containsOnly(3).isEqualTo(black.labels());
            int covered = 0;
            for (int i = 0; i < 64 * 64; i++) {
                assertThat(black.mask()[i]).as("a black item is below the foreground threshold").isZero();
                if (white.mask()[i] == 0) {
                    for (int c = 0; c < 3; c++) {
                        assertThat(white.image().rgb()[3 * i + c]).as("background pixel %d", i).isEqualTo(black.image().rgb()[3 * i + c]);
                    }
                } else {
                    assertThat(white.mask()[i]).isEqualTo((byte) 4); // class 3 + 1
                    covered++;
                }
            }
            // 1 to 4 squares of 28-70 pixels, at least a quarter of each inside the scene
            assertThat(covered).as("seed %d", seed).isGreaterThanOrEqualTo(14 * 14);
        }
    }

    @Test
    void scenesAreReproducibleAndWrittenAsImageAndMaskPngs(@TempDir Path dir) throws Exception {
        byte[] images = new byte[2 * 28 * 28];
        for (int i = 0; i < images.length; i++) images[i] = (byte) (i * 7);
        FashionMnist.Split items = new FashionMnist.Split(2, 28, 28, images, new byte[] {1, 9});
        FashionMnistScenes.Scene a = FashionMnistScenes.scene(items, 48, new Random(5));
        FashionMnistScenes.Scene b = FashionMnistScenes.scene(items, 48, new Random(5));
        assertThat(a.image().rgb()).isEqualTo(b.image().rgb());
        assertThat(a.mask()).isEqualTo(b.mask());
        for (byte m : a.mask()) assertThat(m).isIn((byte) 0, (byte) 2, (byte) 10);

        FashionMnistScenes.write(dir, "train", items, 3, 48, 5);
        assertThat(Files.list(dir.resolve("images/train")).count()).isEqualTo(3);
        BufferedImage mask = javax.imageio.ImageIO.read(dir.resolve("masks/train/00000.png").toFile());
        assertThat(mask.getType()).isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
        byte[] back = new byte[48 * 48];
        mask.getRaster().getDataElements(0, 0, 48, 48, back);
        assertThat(back).isEqualTo(FashionMnistScenes.scene(items, 48, new Random(5)).mask());
        assertThat(FashionMnistScenes.CLASSES).hasSize(11).startsWith("background", "T-shirt/top");
        assertThat(SegmentationClassFile.of(dir, null)).as("classes.txt").isEqualTo(FashionMnistScenes.CLASSES);
        assertThatThrownBy(() -> FashionMnistScenes.scene(items, 20, new Random(0))).hasMessageContaining("side must be >= 28");
    }
}
