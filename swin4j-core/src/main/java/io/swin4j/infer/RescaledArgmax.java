package io.swin4j.infer;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The class of each pixel of an image from logits at the model's input size, as mmseg's {@code rescale=True}: the
 * logits resized bilinearly to the image, (with flip: softmax, averaged with the mirrored image's), argmax. The
 * resized logits of every class at once would take {@code B·K·H·W} floats (ADE20K's 150 classes at 12 MP: 7 GB), so
 * classes are resized a group at a time within a budget of floats and the argmax kept as it goes:
 * <ul>
 *   <li>without flip the result is exactly the argmax of the full resize (each class's plane is resized alone
 *       either way; the first of equal maxima wins, as {@code argmax});</li>
 *   <li>with flip, up to the budget the full tensors are used as mmseg computes them; above it the softmax runs
 *       online (a running maximum and sum over the groups), equal up to float rounding in its sums.</li>
 * </ul>
 * Results belong to the caller's pointer scope.
 */
final class RescaledArgmax {

    /** Floats of resized logits held at once by default: 2^25 = 128 MB. */
    static final long DEFAULT_BUDGET = 1L << 25;

    private final long budget;
    private final boolean alignCorners;

    RescaledArgmax(long budget, boolean alignCorners) {
        if (budget < 1) throw new IllegalArgumentException("budget must be >= 1, got " + budget);
        this.budget = budget;
        this.alignCorners = alignCorners;
    }

    /** (B, H, W) int64: argmax over classes of {@code logits} (B, K, h, w) resized to {@code h}×{@code w}. */
    Tensor argmax(Tensor logits, int h, int w) {
        long k = logits.size(1), plane = logits.size(0) * (long) h * w;
        long group = Math.max(1, budget / plane);
        if (group >= k) return resize(logits, h, w).argmax(new LongOptional(1), false);
        return groupedArgmax(k, group, (c0, n) -> resize(logits.narrow(1, c0, n), h, w));
    }

    /**
     * (B, H, W) int64: argmax over classes of the mean of {@code softmax(resize(logits))} and the horizontally mirrored
     * {@code softmax(resize(mirrored))}, {@code mirrored} being the logits of the mirrored images (mmseg's aug_test
     * with flip).
     */
    Tensor argmaxFlipped(Tensor logits, Tensor mirrored, int h, int w) {
        long k = logits.size(1), plane = logits.size(0) * (long) h * w;
        long group = Math.max(1, budget / (4 * plane)); // a group's resized logits, mirrored ones, their two probabilities
        if (group >= k) {
            Tensor p = torch.softmax(resize(logits, h, w), 1);
            Tensor q = torch.flip(torch.softmax(resize(mirrored, h, w), 1), 3);
            return p.add(q).div(new Scalar(2.0)).argmax(new LongOptional(1), false);
        }
        Tensor[] norm = normalisers(logits, h, w, group, false), normMirrored = normalisers(mirrored, h, w, group, true);
        return groupedArgmax(k, group, (c0, n) -> probabilities(logits, c0, n, h, w, false, norm)
                .add(probabilities(mirrored, c0, n, h, w, true, normMirrored)).div(new Scalar(2.0)));
    }

    /**
     * (B, H, W) int64: the argmax over {@code k} classes of scores computed {@code group} classes at a time
     * ({@code scores(c0, n)}: (B, n, H, W) for classes c0..c0+n-1), keeping the running best (ties: the lower class).
     */
    private static Tensor groupedArgmax(long k, long group, java.util.function.BiFunction<Long, Long, Tensor> scores) {
        PointerScope outer = PointerScope.getInnerScope();
        Tensor best = null, index = null;
        for (long c0 = 0; c0 < k; c0 += group) {
            long n = Math.min(group, k - c0);
            try (PointerScope scope = new PointerScope()) {
                T_TensorTensor_T max = scores.apply(c0, n).max(1, false);
                Tensor values = max.get0(), at = max.get1().add(new Scalar(c0));
                if (best == null) {
                    best = keep(values.clone(), outer);
                    index = keep(at.clone(), outer);
                } else {
                    Tensor better = values.gt(best);
                    best.copy_(torch.where(better, values, best));
                    index.copy_(torch.where(better, at, index));
                }
            }
        }
        return index;
    }

    /** Online softmax, first pass: {maximum, sum of exp(logit − maximum)} over all classes, (B, H, W) each. */
    private Tensor[] normalisers(Tensor logits, int h, int w, long group, boolean mirror) {
        long k = logits.size(1);
        PointerScope outer = PointerScope.getInnerScope();
        Tensor max = null, sum = null;
        for (long c0 = 0; c0 < k; c0 += group) {
            long n = Math.min(group, k - c0);
            try (PointerScope scope = new PointerScope()) {
                Tensor r = resized(logits, c0, n, h, w, mirror);
                Tensor groupMax = r.amax(new long[] {1}, false);
                if (max == null) {
                    max = keep(groupMax.clone(), outer);
                    sum = keep(r.sub(max.unsqueeze(1)).exp().sum(1), outer);
                } else {
                    Tensor next = torch.maximum(max, groupMax);
                    sum.mul_(max.sub(next).exp()).add_(r.sub(next.unsqueeze(1)).exp().sum(1));
                    max.copy_(next);
                }
            }
        }
        return new Tensor[] {max, sum};
    }

    /** Online softmax, second pass: the probabilities of classes c0..c0+n−1. */
    private Tensor probabilities(Tensor logits, long c0, long n, int h, int w, boolean mirror, Tensor[] norm) {
        return resized(logits, c0, n, h, w, mirror).sub(norm[0].unsqueeze(1)).exp().div(norm[1].unsqueeze(1));
    }

    private Tensor resized(Tensor logits, long c0, long n, int h, int w, boolean mirror) {
        Tensor r = resize(logits.narrow(1, c0, n), h, w);
        return mirror ? torch.flip(r, 3) : r;
    }

    /** mmseg's {@code resize}: bilinear to h×w with the model's align_corners. */
    private Tensor resize(Tensor logits, int h, int w) {
        return torch.upsample_bilinear2d(logits, new long[] {h, w}, alignCorners);
    }

    /** Moves {@code t} out of the innermost scope into {@code outer} (the caller's; null: the caller closes it). */
    private static Tensor keep(Tensor t, PointerScope outer) {
        if (outer != null) outer.attach(t); // the outer scope's reference first: detach releases the inner one's
        else t.retainReference();
        PointerScope.getInnerScope().detach(t);
        return t;
    }
}
