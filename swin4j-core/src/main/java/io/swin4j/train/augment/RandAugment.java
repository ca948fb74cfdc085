package io.swin4j.train.augment;

import io.swin4j.vision.RgbImage;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * timm's RandAugment from a config string such as the recipe's {@code rand-m9-mstd0.5-inc1}: {@code n} ops
 * (default 2) drawn with replacement from the 15 "increasing" ops, each applied with probability 0.5 at magnitude
 * N(m, mstd) clipped to [0, mmax] (default 10), with timm's level→argument rules (inc0: the original, non-increasing posterize/solarize/enhance levels); geometric ops fill with the
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
                if (part.startsWith("mstd")) mstd = Double.parseDouble(part.substring(4));
                else if (part.startsWith("mmax")) mmax = Double.parseDouble(part.substring(4));
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
            String op = OPS.get(rng.nextInt(OPS.size()));
            if (prob < 1.0 && rng.nextDouble() > prob) continue;
            double mag = magnitude;
            if (magnitudeStd == Double.POSITIVE_INFINITY) mag = RandomResizedCrop.uniform(rng, 0, mag);
            else if (magnitudeStd > 0) mag = mag + magnitudeStd * RandomErasing.gaussian(rng);
            mag = Math.max(0, Math.min(mag, magnitudeMax));
            img = applyOp(op, img, mag, rng);
        }
        return img;
    }

    /** One op at magnitude {@code level} (0..10); {@code rng} decides the random sign where timm negates. */
    public RgbImage applyOp(String op, RgbImage img, double level, SplittableRandom rng) {
        double l = level / LEVEL_DENOM;
        return switch (op) {
            case "AutoContrast" -> PilOps.autocontrast(img);
            case "Equalize" -> PilOps.equalize(img);
            case "Invert" -> PilOps.invert(img);
            case "Rotate" -> PilOps.rotate(img, negate(l * 30, rng), fill);
            case "PosterizeIncreasing" -> PilOps.posterize(img, increasing ? 4 - (int) (l * 4) : (int) (l * 4));
            case "SolarizeIncreasing" -> PilOps.solarize(img, increasing ? 256 - (int) (l * 256) : (int) (l * 256));
            case "SolarizeAdd" -> PilOps.solarizeAdd(img, (int) (l * 110), 128);
            case "ColorIncreasing" -> PilOps.color(img, enhance(l, rng));
            case "ContrastIncreasing" -> PilOps.contrast(img, enhance(l, rng));
            case "BrightnessIncreasing" -> PilOps.brightness(img, enhance(l, rng));
            case "SharpnessIncreasing" -> PilOps.sharpness(img, enhance(l, rng));
            case "ShearX" -> PilOps.affine(img, new double[] {1, negate(l * 0.3, rng), 0, 0, 1, 0}, fill);
            case "ShearY" -> PilOps.affine(img, new double[] {1, 0, 0, negate(l * 0.3, rng), 1, 0}, fill);
            case "TranslateXRel" -> PilOps.affine(img, new double[] {1, 0, negate(l * TRANSLATE_PCT, rng) * img.width(), 0, 1, 0}, fill);
            case "TranslateYRel" -> PilOps.affine(img, new double[] {1, 0, 0, 0, 1, negate(l * TRANSLATE_PCT, rng) * img.height()}, fill);
            default -> throw new IllegalArgumentException("unknown RandAugment op " + op);
        };
    }

    /** Enhance factor: increasing variant 1 ± 0.9·l (at least 0.1); inc0 variant 0.1 + 1.8·l. */
    private double enhance(double l, SplittableRandom rng) {
        return increasing ? Math.max(0.1, 1.0 + negate(l * 0.9, rng)) : l * 1.8 + 0.1;
    }

    /** timm's _randomly_negate: −v when random() > 0.5. */
    private static double negate(double v, SplittableRandom rng) {
        return rng.nextDouble() > 0.5 ? -v : v;
    }
}
