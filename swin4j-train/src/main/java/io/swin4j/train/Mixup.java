package io.swin4j.train;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.SplittableRandom;

/**
 * timm's {@code Mixup} in batch mode as the official recipe uses it (mixup α 0.8, cutmix α 1.0, prob 1.0,
 * switch 0.5, label smoothing 0.1): each batch is mixed with itself reversed ({@code x.flip(0)}), either
 * blended with λ ~ Beta(α, α) or with a CutMix box whose area corrects λ; targets become smoothed one-hots
 * mixed with the same λ. Sampling (seeded, {@link #sample}) is separate from the deterministic application.
 */
public final class Mixup {

    /** One batch's draw: λ after correction, and the CutMix box [yl, yh) × [xl, xh) (empty for mixup). */
    public record Params(double lam, boolean cutmix, int yl, int yh, int xl, int xh) {
        public static final Params NONE = new Params(1.0, false, 0, 0, 0, 0);
    }

    private final double mixupAlpha, cutmixAlpha, prob, switchProb, smoothing;
    private final int numClasses;

    public Mixup(double mixupAlpha, double cutmixAlpha, double prob, double switchProb, double smoothing, int numClasses) {
        this.mixupAlpha = mixupAlpha;
        this.cutmixAlpha = cutmixAlpha;
        this.prob = prob;
        this.switchProb = switchProb;
        this.smoothing = smoothing;
        this.numClasses = numClasses;
    }

    /** The official defaults. */
    public static Mixup official(int numClasses) {
        return new Mixup(0.8, 1.0, 1.0, 0.5, 0.1, numClasses);
    }

    /** Draws a batch's parameters as timm's {@code _params_per_batch} + {@code cutmix_bbox_and_lam} do. */
    public Params sample(SplittableRandom rng, int height, int width) {
        Draw d = draw(rng, height, width);
        if (!d.mix()) return Params.NONE;
        return d.cutmix() ? cutmixBox(d.lam(), height, width, d.cy(), d.cx()) : new Params(d.lam(), false, 0, 0, 0, 0);
    }

    /** {@link #sample}'s random draws, in its order: mix or not, CutMix or mixup, λ ~ Beta(α, α), the box centre. */
    record Draw(boolean mix, boolean cutmix, double lam, int cy, int cx) {}

    Draw draw(SplittableRandom rng, int height, int width) {
        if (!(rng.nextDouble() < prob) || (mixupAlpha <= 0 && cutmixAlpha <= 0)) return new Draw(false, false, 1.0, 0, 0);
        boolean cutmix = mixupAlpha > 0 && cutmixAlpha > 0 ? rng.nextDouble() < switchProb : cutmixAlpha > 0;
        double alpha = cutmix ? cutmixAlpha : mixupAlpha;
        double lam = beta(rng, alpha, alpha);
        if (!cutmix) return new Draw(true, false, lam, 0, 0);
        int cy = rng.nextInt(height), cx = rng.nextInt(width);
        return new Draw(true, true, lam, cy, cx);
    }

    /** timm's rand_bbox for a drawn λ and box centre, with the area-corrected λ (correct_lam=True). */
    public static Params cutmixBox(double lam, int height, int width, int cy, int cx) {
        double ratio = Math.sqrt(1 - lam);
        int cutH = (int) (height * ratio), cutW = (int) (width * ratio);
        int yl = clamp(cy - cutH / 2, height), yh = clamp(cy + cutH / 2, height);
        int xl = clamp(cx - cutW / 2, width), xh = clamp(cx + cutW / 2, width);
        double corrected = 1.0 - (double) (yh - yl) * (xh - xl) / ((double) height * width);
        return new Params(corrected, true, yl, yh, xl, xh);
    }

    private static int clamp(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }

    /** Mixes {@code images} (B, C, H, W) in place with its reversed batch; no autograd. */
    public static void applyToImages(Tensor images, Params p) {
        if (p.lam() == 1.0) return;
        try (NoGradGuard ignored = new NoGradGuard()) {
            Tensor flipped = images.flip(0);
            if (p.cutmix()) {
                images.narrow(2, p.yl(), p.yh() - p.yl()).narrow(3, p.xl(), p.xh() - p.xl())
                        .copy_(flipped.narrow(2, p.yl(), p.yh() - p.yl()).narrow(3, p.xl(), p.xh() - p.xl()));
            } else {
                images.mul_(new Scalar(p.lam())).add_(flipped.mul(new Scalar(1.0 - p.lam())));
            }
        }
    }

    /** timm's mixup_target: smoothed one-hots of the targets and of the reversed targets, mixed with λ. */
    public Tensor targets(Tensor labels, double lam) {
        double off = smoothing / numClasses, on = 1.0 - smoothing + off;
        Tensor y1 = oneHot(labels, on, off), y2 = oneHot(labels.flip(0), on, off);
        return y1.mul(new Scalar(lam)).add(y2.mul(new Scalar(1.0 - lam)));
    }

    private Tensor oneHot(Tensor labels, double on, double off) {
        Tensor t = torch.full(new long[] {labels.size(0), numClasses}, new Scalar(off), new TensorOptions(torch.ScalarType.Float));
        return t.scatter_(1, labels.view(-1, 1), new Scalar(on));
    }

    /** timm's SoftTargetCrossEntropy: mean over the batch of −Σ target · log_softmax(logits). */
    public static Tensor softTargetCrossEntropy(Tensor logits, Tensor softTargets) {
        return torch.sum(softTargets.neg().mul(torch.log_softmax(logits, -1)), new long[] {-1}, false, new ScalarTypeOptional()).mean();
    }

    /** A Beta(a, b) draw through two Gamma draws (Marsaglia–Tsang). */
    static double beta(SplittableRandom rng, double a, double b) {
        double x = gamma(rng, a), y = gamma(rng, b);
        return x / (x + y);
    }

    private static double gamma(SplittableRandom rng, double shape) {
        if (shape < 1) return gamma(rng, shape + 1) * Math.pow(rng.nextDouble(), 1 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x, v;
            do {
                x = gaussian(rng);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = rng.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
        }
    }

    private static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble(), u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
