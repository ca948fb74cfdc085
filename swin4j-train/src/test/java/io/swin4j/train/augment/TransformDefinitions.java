package io.swin4j.train.augment;

import io.swin4j.vision.RgbImage;

/** The training transform's fixed steps by their definitions (torchvision), for the tests to compute expectations. */
final class TransformDefinitions {

    /** ImageNet mean and std, as timm's and torchvision's Normalize use them. */
    static final float[] MEAN = {0.485f, 0.456f, 0.406f}, STD = {0.229f, 0.224f, 0.225f};

    private TransformDefinitions() {}

    /** ToTensor + Normalize: (v / 255 − mean) / std, in CHW. */
    static float[] normalized(RgbImage img) {
        int w = img.width(), h = img.height();
        float[] out = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) out[(c * h + y) * w + x] = (img.get(x, y, c) / 255f - MEAN[c]) / STD[c];
            }
        }
        return out;
    }

    /** RandomHorizontalFlip's flip: column x takes column w − 1 − x. */
    static RgbImage mirrored(RgbImage img) {
        int w = img.width(), h = img.height();
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++) out[(y * w + x) * 3 + c] = (byte) img.get(w - 1 - x, y, c);
        }
        return new RgbImage(w, h, out);
    }
}
