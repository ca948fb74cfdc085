package io.swin4j.train.augment;

import io.swin4j.vision.RgbImage;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * timm's RandAugment from a config string such as the recipe's {@code rand-m9-mstd0.5-inc1}: {@code n} ops
 * (default 2) drawn with replacement from the 15 "increasing" ops, each applied with probability 0.5 at magnitude
 * N(m, mstd) clipped to [0, mmax] (default 10; mstd above 100: uniform on [0, m]), with timm's level→argument rules (inc0: the original, non-increasing posterize/solarize/enhance levels); geometric ops fill with the
 * ImageNet mean colour (124, 116, 104) and sample bicubic.
 */
public final class RandAugment {

    /** timm's {@code _RAND_INCREASING_TRANSFORMS}, in its order. */
    public static final List<String> OPS = List.of("AutoContrast", "Equalize", "Invert", "Rotate", "PosterizeIncreasing",
            "SolarizeIncreasing", "SolarizeAdd", "ColorIncreasing", "ContrastIncreasing", "BrightnessIncreasing",
            "SharpnessIncreasing", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel");
    private static final double LEVEL_DENOM = 10, TRANSLATE_PCT = 0.45;
    public static final int[] IMAGENET_FILL = {124, 116, 104};

    private final String spec;
    private final int numLayers;
    private final double magnitude, magnitudeStd, magnitudeMax, prob;
    private final boolean increasing;
    private final int[] fill;

    private RandAugment(String spec, int numLayers, double magnitude, double magnitudeStd, double magnitudeMax,
                        double prob, boolean increasing, int[] fill) {
        this.spec = spec;
        this.numLayers = numLayers;
        this.magnitude = magnitude;
        this.magnitudeStd = magnitudeStd;
        this.magnitudeMax = magnitudeMax;
        this.prob = prob;
        this.increasing = increasing;
        this.fill = fill.clone();
    }

    /**
     * Parses timm's {@code rand-m9-n2-mstd0.5-mmax10-inc1-p0.5}; "none" or an empty string gives null (no RandAugment).
     *
     * @throws IllegalArgumentException naming the bad part
     */
    public static RandAugment parse(String spec, int[] fill) {
        if (spec == null || spec.isBlank() || spec.equalsIgnoreCase("none")) return null;
        String[] parts = spec.toLowerCase(Locale.ROOT).split("-");
        if (!parts[0].equals("rand")) throw new IllegalArgumentException("RandAugment spec '" + spec + "' must start with 'rand'");
        int n = 2;
        double m = 10, mstd = 0, mmax = LEVEL_DENOM, p = 0.5;
        boolean inc = false;
        for (int i = 1; i < parts.length; i++) {
            String part = parts[i];
            try {
                if (part.startsWith("mstd")) {
                    mstd = Double.parseDouble(part.substring(4));
                    if (mstd > 100) mstd = Double.POSITIVE_INFINITY; // timm: mstd above 100 samples the magnitude from U(0, m)
                } else if (part.startsWith("mmax")) mmax = Double.parseDouble(part.substring(4));
                else if (part.startsWith("inc")) inc = Integer.parseInt(part.substring(3)) != 0;
                else if (part.startsWith("m")) m = Double.parseDouble(part.substring(1));
                else if (part.startsWith("n")) n = Integer.parseInt(part.substring(1));
                else if (part.startsWith("p")) p = Double.parseDouble(part.substring(1));
                else throw new IllegalArgumentException("unknown part '" + part + "'");
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("RandAugment spec '" + spec + "': bad number in '" + part + "'");
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("RandAugment spec '" + spec + "': " + e.getMessage()
                        + " (known: m, n, mstd, mmax, inc, p)");
            }
        }
        if (n < 0 || m < 0 || mstd < 0 || p < 0 || p > 1) throw new IllegalArgumentException("RandAugment spec '" + spec + "': values out of range");
        return new RandAugment(spec, n, m, mstd, mmax, p, inc, fill);
    }

    public String spec() { return spec; }

    public RgbImage apply(RgbImage img, SplittableRandom rng) {
        for (int i = 0; i < numLayers; i++) {
            Layer layer = drawLayer(rng);
            if (layer.applied()) img = applyArgs(layer.op(), img, layer.args());
        }
        return img;
    }

    /** One layer's draws, in the order {@link #apply} makes them: the op, whether it applies, its magnitude and arguments. */
    record Layer(String op, boolean applied, double magnitude, double[] args) {}

    /** Draws one layer: an op uniformly from {@link #OPS}, applied with probability p, at a noisy magnitude. */
    Layer drawLayer(SplittableRandom rng) {
        String op = OPS.get(rng.nextInt(OPS.size()));
        if (prob < 1.0 && rng.nextDouble() > prob) return new Layer(op, false, Double.NaN, null);
        double mag = sampleMagnitude(rng);
        return new Layer(op, true, mag, levelToArgs(op, mag, rng));
    }

    /** timm's AugmentOp magnitude: m, plus N(0, mstd) noise (uniform on [0, m] when mstd is infinite), clipped to [0, mmax]. */
    double sampleMagnitude(SplittableRandom rng) {
        double mag = magnitude;
        if (magnitudeStd == Double.POSITIVE_INFINITY) mag = RandomResizedCrop.uniform(rng, 0, mag);
        else if (magnitudeStd > 0) mag = mag + magnitudeStd * RandomErasing.gaussian(rng);
        return Math.max(0, Math.min(mag, magnitudeMax));
    }

    /** One op at magnitude {@code level} (0..10); {@code rng} decides the random sign where timm negates. */
    public RgbImage applyOp(String op, RgbImage img, double level, SplittableRandom rng) {
        return applyArgs(op, img, levelToArgs(op, level, rng));
    }

    /** timm's level→argument function for {@code op}, with the random sign drawn from {@code rng} only where timm negates. */
    double[] levelToArgs(String op, double level, SplittableRandom rng) {
        return levelToArgs(op, level, negates(op) && rng.nextDouble() > 0.5); // timm's _randomly_negate: −v when random() > 0.5
    }

    /** Whether timm's level function for {@code op} draws a random sign. */
    boolean negates(String op) {
        return switch (op) {
            case "Rotate", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel" -> true;
            case "ColorIncreasing", "ContrastIncreasing", "BrightnessIncreasing", "SharpnessIncreasing" -> increasing;
            default -> false;
        };
    }

    /** timm's {@code LEVEL_TO_ARG[op](level)} with the sign fixed ({@code negative}: the negated branch). */
    double[] levelToArgs(String op, double level, boolean negative) {
        double l = level / LEVEL_DENOM, s = negative ? -1 : 1;
        return switch (op) {
            case "AutoContrast", "Equalize", "Invert" -> new double[0];
            case "Rotate" -> new double[] {s * (l * 30)};
            case "PosterizeIncreasing" -> new double[] {increasing ? 4 - (int) (l * 4) : (int) (l * 4)};
            case "SolarizeIncreasing" -> new double[] {increasing ? 256 - Math.min(256, (int) (l * 256)) : Math.min(256, (int) (l * 256))};
            case "SolarizeAdd" -> new double[] {Math.min(128, (int) (l * 110))};
            case "ColorIncreasing", "ContrastIncreasing", "BrightnessIncreasing", "SharpnessIncreasing" ->
                    new double[] {increasing ? Math.max(0.1, 1.0 + s * (l * 0.9)) : l * 1.8 + 0.1};
            case "ShearX", "ShearY" -> new double[] {s * (l * 0.3)};
            case "TranslateXRel", "TranslateYRel" -> new double[] {s * (l * TRANSLATE_PCT)};
            default -> throw new IllegalArgumentException("unknown RandAugment op " + op);
        };
    }

    /** timm's op function for {@code op} called with its level function's arguments. */
    RgbImage applyArgs(String op, RgbImage img, double[] a) {
        return switch (op) {
            case "AutoContrast" -> PilOps.autocontrast(img);
            case "Equalize" -> PilOps.equalize(img);
            case "Invert" -> PilOps.invert(img);
            case "Rotate" -> PilOps.rotate(img, a[0], fill);
            case "PosterizeIncreasing" -> PilOps.posterize(img, (int) a[0]);
            case "SolarizeIncreasing" -> PilOps.solarize(img, (int) a[0]);
            case "SolarizeAdd" -> PilOps.solarizeAdd(img, (int) a[0], 128);
            case "ColorIncreasing" -> PilOps.color(img, a[0]);
            case "ContrastIncreasing" -> PilOps.contrast(img, a[0]);
            case "BrightnessIncreasing" -> PilOps.brightness(img, a[0]);
            case "SharpnessIncreasing" -> PilOps.sharpness(img, a[0]);
            case "ShearX" -> PilOps.affine(img, new double[] {1, a[0], 0, 0, 1, 0}, fill);
            case "ShearY" -> PilOps.affine(img, new double[] {1, 0, 0, a[0], 1, 0}, fill);
            case "TranslateXRel" -> PilOps.affine(img, new double[] {1, 0, a[0] * img.width(), 0, 1, 0}, fill);
            case "TranslateYRel" -> PilOps.affine(img, new double[] {1, 0, 0, 0, 1, a[0] * img.height()}, fill);
            default -> throw new IllegalArgumentException("unknown RandAugment op " + op);
        };
    }

}
