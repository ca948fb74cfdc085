package io.swin4j.train.segmentation;

import io.swin4j.vision.RgbImage;

/**
 * mmseg's {@code PhotoMetricDistortion}, each step with probability 1/2 and in mmseg's order: brightness (add a
 * uniform value in ±{@code brightnessDelta}), then, with a draw choosing whether contrast comes first or last,
 * contrast (multiply by a uniform value in the range), saturation (scale HSV saturation), hue (shift HSV hue by numpy's
 * {@code randint(-hueDelta, hueDelta)}, i.e. up to {@code hueDelta − 1}, mod 180). Each step rounds as mmseg does:
 * float32 arithmetic, clipped to [0, 255], truncated to 8 bits; HSV is OpenCV's 8-bit conversion ({@link CvHsv}).
 */
public record PhotoMetricDistortion(int brightnessDelta, double contrastLow, double contrastHigh, double saturationLow,
                                    double saturationHigh, int hueDelta) {

    /** mmseg's defaults: brightness 32, contrast and saturation 0.5–1.5, hue 18. */
    public static PhotoMetricDistortion mmseg() {
        return new PhotoMetricDistortion(32, 0.5, 1.5, 0.5, 1.5, 18);
    }

    public RgbImage apply(RgbImage img, RandomDraws draws) {
        byte[] rgb = img.rgb().clone();
        if (draws.randint(0, 2) != 0) convert(rgb, 0, 1, 1f, (float) draws.uniform(-brightnessDelta, brightnessDelta));
        int mode = draws.randint(0, 2);
        if (mode == 1) contrast(rgb, draws);
        if (draws.randint(0, 2) != 0) {
            byte[] hsv = CvHsv.rgbToHsv(rgb);
            convert(hsv, 1, 3, (float) draws.uniform(saturationLow, saturationHigh), 0f);
            rgb = CvHsv.hsvToRgb(hsv, img.width());
        }
        if (draws.randint(0, 2) != 0) {
            byte[] hsv = CvHsv.rgbToHsv(rgb);
            int delta = draws.randint(-hueDelta, hueDelta);
            for (int i = 0; i < hsv.length; i += 3) hsv[i] = (byte) Math.floorMod((hsv[i] & 0xff) + delta, 180);
            rgb = CvHsv.hsvToRgb(hsv, img.width());
        }
        if (mode == 0) contrast(rgb, draws);
        return new RgbImage(img.width(), img.height(), rgb);
    }

    private void contrast(byte[] rgb, RandomDraws draws) {
        if (draws.randint(0, 2) != 0) convert(rgb, 0, 1, (float) draws.uniform(contrastLow, contrastHigh), 0f);
    }

    /** mmseg's {@code convert}: {@code uint8(clip(float32(v) · alpha + beta, 0, 255))} on every {@code step}-th byte from {@code first}. */
    private static void convert(byte[] v, int first, int step, float alpha, float beta) {
        for (int i = first; i < v.length; i += step) {
            float x = (v[i] & 0xff) * alpha + beta;
            v[i] = (byte) (int) Math.max(0f, Math.min(255f, x));
        }
    }
}
