package io.swin4j.cli;

import io.swin4j.infer.SegmentationPredictor;
import io.swin4j.model.SegmentationMode;
import io.swin4j.vision.SegmentationPreset;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.SwinWeights;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/** How a segmentation model runs (mode, crops, flip, scale): shared by {@code segment} and {@code serve}. */
final class SegmentOptions {

    /** The message for a command run without a segmentation checkpoint (none is bundled). */
    static final String NO_BUNDLED_MODEL = "no segmentation model is bundled with swin4j: pass --weights CKPT, a "
            + "UPerNet-Swin checkpoint (official Swin segmentation / mmseg .pth, HF UperNet, or one swin4j wrote)";

    enum Mode { whole, slide }

    @Option(names = "--mode", paramLabel = "MODE",
            description = "whole (the image in one pass) or slide (overlapping crops; needs --crop/--stride unless the "
                    + "checkpoint's test mode has them). Default: the checkpoint's test mode.")
    Mode mode;

    @Option(names = "--crop", paramLabel = "N", description = "Slide mode: crop size N (or HxW), e.g. 512.")
    String crop;

    @Option(names = "--stride", paramLabel = "N", description = "Slide mode: stride N (or HxW), e.g. 341.")
    String stride;

    @Option(names = "--flip", description = "Also segment the mirrored image and average (mmseg's flip augmentation).")
    boolean flip;

    @Option(names = "--scale", paramLabel = "LONGxSHORT|native",
            description = "Resize to fit LONG x SHORT (mmseg's img_scale, e.g. 2048x512), or native: keep the image size. "
                    + "Default: 2048x512 for mmseg/official/HF checkpoints, native for swin4j's own.")
    String scale;

    /** A predictor builder of loaded segmentation weights with these flags; the caller adds batch size, decoder, threads. */
    SegmentationPredictor.Builder builder(SwinWeights w) {
        if (w.task() != ModelCard.Task.SEGMENTATION) {
            throw new IllegalArgumentException(w.file() + ": a classification checkpoint, not a segmentation (UPerNet) "
                    + "one; use predict");
        }
        SegmentationPredictor.Builder b = SegmentationPredictor.builder(w).optMode(mode(w.card().segmentationMode()));
        return scale == null ? b : b.optPreset(preset(scale));
    }

    /** The checkpoint a command runs: {@code --weights}, resolved (registry names too); refused when absent. */
    static Path weights(Path weightsFile, WeightsOptions weights, PrintWriter err) throws IOException {
        if (weightsFile == null) throw new IllegalArgumentException(NO_BUNDLED_MODEL);
        return weights.resolve(weightsFile, err);
    }

    /** The flags applied to the checkpoint's own test mode. */
    SegmentationMode mode(SegmentationMode saved) {
        boolean slide = mode == Mode.slide || (mode == null && (crop != null || stride != null));
        if (mode == Mode.whole && (crop != null || stride != null)) {
            throw new IllegalArgumentException("--crop and --stride are for --mode slide");
        }
        SegmentationMode m;
        if (!slide) {
            m = mode == Mode.whole ? SegmentationMode.whole() : saved;
        } else {
            boolean savedSlide = saved.kind() == SegmentationMode.Kind.SLIDE;
            if ((crop == null || stride == null) && !savedSlide) {
                throw new IllegalArgumentException("--mode slide needs --crop and --stride (the checkpoint's test mode is whole)");
            }
            int[] c = crop != null ? size("--crop", crop) : new int[] {saved.cropHeight(), saved.cropWidth()};
            int[] s = stride != null ? size("--stride", stride) : new int[] {saved.strideHeight(), saved.strideWidth()};
            m = SegmentationMode.slide(c[0], c[1], s[0], s[1]).optFlip(saved.flip());
        }
        return flip ? m.optFlip(true) : m;
    }

    /** "N" or "HxW" → {H, W}. */
    static int[] size(String flag, String v) {
        String[] parts = v.toLowerCase(java.util.Locale.ROOT).split("x", -1);
        try {
            int[] out = parts.length == 1 ? new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[0])}
                    : parts.length == 2 ? new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])} : null;
            if (out != null && out[0] > 0 && out[1] > 0) return out;
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(flag + " must be N or HxW with positive sizes, got '" + v + "'");
    }

    static SegmentationPreset preset(String v) {
        if (v.equalsIgnoreCase("native")) return SegmentationPreset.nativeSize();
        int[] s = size("--scale", v);
        return SegmentationPreset.mmseg(Math.max(s[0], s[1]), Math.min(s[0], s[1]));
    }
}
