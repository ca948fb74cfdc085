package io.swin4j.vision;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * An evaluation transform with torchvision's semantics on PIL images: resize (the shorter side to
 * {@code resize}, the longer to {@code int(resize·long/short)}; or both sides to {@code squash}), center crop
 * (torchvision's rounding and zero padding), ToTensor (/255) and Normalize, all in fp32. The named presets
 * reproduce each source's evaluation pipeline exactly.
 *
 * @param resize  shorter-side target, or 0 when {@code squash} is used
 * @param squash  {h, w} to resize to regardless of aspect, or null
 * @param crop    {h, w} of the center crop, or null for none
 */
public record EvalPreset(String name, int resize, int[] squash, int[] crop, PillowResize.Filter filter, float[] mean,
                         float[] std) {

    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    public EvalPreset {
        if ((resize > 0) == (squash != null)) throw new IllegalArgumentException("give either a shorter-side resize or a squash size");
        if (squash == null && crop == null) throw new IllegalArgumentException("a shorter-side resize needs a crop (the output size)");
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("mean and std need 3 values");
    }

    /** Official Swin at 224: resize 256 (= 256/224·img), center crop img, bicubic. */
    public static EvalPreset official224(int img) {
        return new EvalPreset(img == 224 ? "official_224" : "official_" + img, (int) (256.0 / 224 * img), null,
                new int[] {img, img}, PillowResize.Filter.BICUBIC, IMAGENET_MEAN, IMAGENET_STD);
    }

    /** Official Swin at 384 (TEST.CROP False): squash to img×img, bicubic. */
    public static EvalPreset official384(int img) {
        return new EvalPreset(img == 384 ? "official_384" : "official_squash_" + img, 0, new int[] {img, img}, null,
                PillowResize.Filter.BICUBIC, IMAGENET_MEAN, IMAGENET_STD);
    }

    /** timm: resize floor(img / cropPct), center crop img, bicubic (crop_pct 0.9 at 224, 1.0 at 384). */
    public static EvalPreset timm(int img, double cropPct) {
        String name = img == 224 && cropPct == 0.9 ? "timm" : img == 384 && cropPct == 1.0 ? "timm_384" : "timm_" + img + "_" + cropPct;
        return new EvalPreset(name, (int) Math.floor(img / cropPct), null, new int[] {img, img}, PillowResize.Filter.BICUBIC,
                IMAGENET_MEAN, IMAGENET_STD);
    }

    /** The transforms of torchvision's weights of {@code model} (swin_t, swin_v2_b, ...): resize, center crop, bicubic. */
    public static EvalPreset torchvision(String model, int resize, int crop) {
        return new EvalPreset("torchvision_" + model, resize, null, new int[] {crop, crop}, PillowResize.Filter.BICUBIC,
                IMAGENET_MEAN, IMAGENET_STD);
    }

    /** torchvision's swin_t/s/b weights: resize 232/246/238, center crop 224, bicubic. */
    public static EvalPreset torchvision(int resize, int crop) {
        String name = switch (resize) {
            case 232 -> "torchvision_swin_t";
            case 246 -> "torchvision_swin_s";
            case 238 -> "torchvision_swin_b";
            default -> "torchvision_" + resize + "_" + crop;
        };
        return new EvalPreset(name, resize, null, new int[] {crop, crop}, PillowResize.Filter.BICUBIC, IMAGENET_MEAN, IMAGENET_STD);
    }

    /** HF ViTImageProcessor: squash to img×img (PIL bicubic), rescale 1/255, normalize. */
    public static EvalPreset hf(int img) {
        return new EvalPreset(img == 224 ? "hf" : "hf_" + img, 0, new int[] {img, img}, null, PillowResize.Filter.BICUBIC,
                IMAGENET_MEAN, IMAGENET_STD);
    }

    public static final List<String> NAMES = List.of("official_224", "official_384", "timm", "timm_384",
            "torchvision_swin_t", "torchvision_swin_s", "torchvision_swin_b", "torchvision_swin_v2_t",
            "torchvision_swin_v2_s", "torchvision_swin_v2_b", "hf");

    public static EvalPreset named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "official_224" -> official224(224);
            case "official_384" -> official384(384);
            case "timm" -> timm(224, 0.9);
            case "timm_384" -> timm(384, 1.0);
            case "torchvision_swin_t" -> torchvision(232, 224);
            case "torchvision_swin_v2_t" -> torchvision("swin_v2_t", 260, 256);
            case "torchvision_swin_v2_s" -> torchvision("swin_v2_s", 260, 256);
            case "torchvision_swin_v2_b" -> torchvision("swin_v2_b", 272, 256);
            case "torchvision_swin_s" -> torchvision(246, 224);
            case "torchvision_swin_b" -> torchvision(238, 224);
            case "hf" -> hf(224);
            default -> throw new IllegalArgumentException("unknown preprocessing preset '" + name + "'; known: " + NAMES);
        };
    }

    /** Output rows. */
    public int height() {
        return crop != null ? crop[0] : squash[0];
    }

    /** Output columns. */
    public int width() {
        return crop != null ? crop[1] : squash[1];
    }

    /** The resized (uncropped) image: Pillow-exact; within the default {@link ImageLimits#maxResizePixels()}. */
    public RgbImage resized(RgbImage img) {
        return resized(img, ImageLimits.DEFAULTS);
    }

    /**
     * The resized (uncropped) image: Pillow-exact.
     *
     * @throws IllegalArgumentException if a shorter-side resize would be larger than {@code limits.maxResizePixels()}
     *                                  (a long thin image: 10900×1 to 256 on the shorter side is 2,790,400×256)
     */
    public RgbImage resized(RgbImage img, ImageLimits limits) {
        if (squash != null) return PillowResize.resize(img, squash[1], squash[0], filter);
        int w = img.width(), h = img.height();
        long[] size = resizedSize(w, h);
        if (size[0] * size[1] > limits.maxResizePixels()) {
            throw new IllegalArgumentException("image of " + w + "x" + h + ": resizing its shorter side to " + resize + " gives "
                    + size[0] + "x" + size[1] + " = " + size[0] * size[1] + " pixels, over the limit of "
                    + limits.maxResizePixels() + " (max resize pixels)");
        }
        return PillowResize.resize(img, (int) size[0], (int) size[1], filter);
    }

    /** {width, height} of the shorter-side resize: the longer side becomes int(resize·long/short), as torchvision. */
    private long[] resizedSize(int w, int h) {
        int shortSide = Math.min(w, h), longSide = Math.max(w, h);
        long newLong = (long) ((double) resize * longSide / shortSide);
        return w <= h ? new long[] {resize, newLong} : new long[] {newLong, resize};
    }

    /** Resize, crop, ToTensor and Normalize: fp32 CHW of {@link #height()}×{@link #width()}. */
    public float[] apply(RgbImage img) {
        return apply(img, ImageLimits.DEFAULTS);
    }

    /** {@link #apply(RgbImage)} with other limits on the resize. */
    public float[] apply(RgbImage img, ImageLimits limits) {
        return normalize(prepare(img, limits));
    }

    /** Resize and center crop: the uint8 image torchvision's PIL transforms produce before ToTensor. */
    public RgbImage prepare(RgbImage img) {
        return prepare(img, ImageLimits.DEFAULTS);
    }

    /** {@link #prepare(RgbImage)} with other limits on the resize. */
    public RgbImage prepare(RgbImage img, ImageLimits limits) {
        RgbImage r = resized(img, limits);
        return crop == null ? r : centerCrop(r, crop[0], crop[1]);
    }

    /** torchvision's CenterCrop: zero padding (extra on the right/bottom) when larger, then round((size − crop) / 2). */
    public static RgbImage centerCrop(RgbImage r, int th, int tw) {
        int w = r.width(), h = r.height();
        if (w == tw && h == th) return r;
        int padLeft = tw > w ? (tw - w) / 2 : 0, padTop = th > h ? (th - h) / 2 : 0;
        int pw = Math.max(w, tw), ph = Math.max(h, th);
        int top = (int) Math.rint((ph - th) / 2.0), left = (int) Math.rint((pw - tw) / 2.0);
        byte[] out = new byte[th * tw * 3];
        for (int y = 0; y < th; y++) {
            int sy = y + top - padTop;
            if (sy < 0 || sy >= h) continue;
            for (int x = 0; x < tw; x++) {
                int sx = x + left - padLeft;
                if (sx >= 0 && sx < w) System.arraycopy(r.rgb(), (sy * w + sx) * 3, out, (y * tw + x) * 3, 3);
            }
        }
        return new RgbImage(tw, th, out);
    }

    /** ToTensor then Normalize, in fp32 as torch computes them: (v / 255 − mean) / std, CHW. */
    public float[] normalize(RgbImage img) {
        int h = img.height(), w = img.width();
        float[] out = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            float m = mean[c], s = std[c];
            for (int i = 0; i < h * w; i++) out[c * h * w + i] = ((img.rgb()[i * 3 + c] & 0xff) / 255f - m) / s;
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EvalPreset p && name.equals(p.name) && resize == p.resize && Arrays.equals(squash, p.squash)
                && Arrays.equals(crop, p.crop) && filter == p.filter && Arrays.equals(mean, p.mean) && Arrays.equals(std, p.std);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name + (squash != null ? " (squash " + squash[0] + "x" + squash[1] : " (resize " + resize)
                + (crop != null ? ", crop " + crop[0] + "x" + crop[1] : "") + ", " + filter.name().toLowerCase(Locale.ROOT) + ")";
    }
}
