package io.swin4j.testing;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.SegmentationCard;
import io.swin4j.weights.SwinWeights;
import io.swin4j.weights.layout.Layout;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A tiny random-weight UPerNet-Swin checkpoint saved with swin4j's segmentation card (source CANONICAL: the native
 * preset), and images for it. The classifier's weights are scaled up so that the label maps hold several classes.
 */
public final class TinySegmenters {

    /** The checkpoint's class names and palette. */
    public static final List<String> CLASSES = List.of("background", "road", "tree", "sky", "car");
    public static final int[][] PALETTE = {{0, 0, 0}, {128, 64, 128}, {0, 128, 0}, {70, 130, 180}, {0, 0, 142}};

    private TinySegmenters() {}

    /** embed 8, depths 1,1,1,1, heads 1,1,2,2, window 4, channels 16, aux 8 on stage 2, 5 classes; PADDED backbone. */
    public static SegmentationConfig config() {
        SwinConfig backbone = SwinConfig.builder().optName("tiny_upernet").optEmbedDim(8).optDepths(new int[] {1, 1, 1, 1})
                .optNumHeads(new int[] {1, 1, 2, 2}).optWindowSize(4).optPatchSize(4).optNumClasses(0)
                .optSizeRule(SizeRule.PADDED).build();
        return new SegmentationConfig(backbone, CLASSES.size(), 16, new int[] {1, 2, 3, 6}, false, 0.1, 8, 2, 0.4);
    }

    /** Writes the checkpoint (safetensors with its card, whole-image test mode) and returns its path. */
    public static Path write(Path file, long seed) throws IOException {
        SegmentationConfig c = config();
        Map<String, HostTensor> tensors;
        try (SwinSegmenter m = SwinSegmenter.create(c, seed)) {
            tensors = new LinkedHashMap<>(m.parameters().toHost());
        }
        for (String k : List.of("decode_head.conv_seg.weight", "decode_head.conv_seg.bias")) {
            HostTensor t = tensors.get(k);
            Random rng = new Random(seed + k.length());
            float[] d = t.data().clone();
            for (int i = 0; i < d.length; i++) d[i] = d[i] * 60 + (float) (rng.nextGaussian() * 0.3);
            tensors.put(k, HostTensor.of(d, t.shape()));
        }
        ModelCard card = ModelCard.ofSource(c.backbone(), Layout.CANONICAL).withClassNames(CLASSES)
                .withSegmentation(new SegmentationCard(c, PALETTE, SegmentationMode.whole()));
        SwinWeights.save(file, card, tensors, "F32");
        return file;
    }

    /** A smooth colour pattern of {@code width}×{@code height} as a PNG file. */
    public static Path png(Path file, int width, int height, long seed) throws IOException {
        ImageIO.write(image(width, height, seed), "png", file.toFile());
        return file;
    }

    /** A smooth colour pattern with noise. */
    public static BufferedImage image(int width, int height, long seed) {
        Random rng = new Random(seed);
        double fx = 0.05 + rng.nextDouble() * 0.2, fy = 0.05 + rng.nextDouble() * 0.2;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int r = clamp(128 + 100 * Math.sin(x * fx) + rng.nextGaussian() * 10);
                int g = clamp(128 + 100 * Math.cos(y * fy) + rng.nextGaussian() * 10);
                int b = clamp(255.0 * x / width);
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, v));
    }
}
