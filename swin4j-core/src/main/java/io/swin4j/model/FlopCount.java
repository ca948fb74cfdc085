package io.swin4j.model;

/**
 * Multiply-accumulates of one forward pass for one image, counted term by term as the official {@code flops()} of
 * each family counts them (what the papers and the official tables call FLOPs; Swin-T 224: 4.49 G). Multiply by 2
 * for floating-point operations. Each module of the declared tree counts its own part; pure arithmetic, no libtorch.
 */
public final class FlopCount {

    private FlopCount() {}

    /** At the config's own image size: equals the official {@code flops()}. */
    public static double macs(SwinConfig c) {
        return macs(c, c.imgSize(), c.imgSize());
    }

    /**
     * At any input size. Windows padded to full size are counted as computed, since the model computes
     * them; where nothing is padded this is the official count.
     */
    public static double macs(SwinConfig c, int imageHeight, int imageWidth) {
        return SwinTransformer.declare(c).macs(imageHeight, imageWidth);
    }
}
