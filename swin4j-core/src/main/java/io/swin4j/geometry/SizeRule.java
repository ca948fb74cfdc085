package io.swin4j.geometry;

/**
 * How a stage treats inputs whose size is not a multiple of the patch or the window, and windows
 * that are at least as large as the feature map. The reference implementations disagree here, so the
 * rule is part of the config and a checkpoint's layout picks the one its source uses.
 */
public enum SizeRule {
    /**
     * The official rule, as HF transformers extends it to any size: the input is zero-padded to a
     * multiple of the patch size; when min(H, W) &le; window the window shrinks to min(H, W) and the
     * shift is 0; the feature map is then zero-padded (bottom/right) to a multiple of the window, and
     * rolled after padding. At the official fixed sizes (224/7, 384/12) this equals the official code
     * and timm exactly.
     */
    OFFICIAL,
    /**
     * torchvision's rule: the patch convolution drops a remainder (stride = patch), the window never
     * shrinks, the feature map is padded to window multiples and, per axis, the shift is 0 where the
     * window is &ge; the padded size.
     */
    TORCHVISION,
    /**
     * The detection/segmentation rule (official Swin-Transformer-Semantic-Segmentation / -Object-Detection, mmdet,
     * mmseg): the input is zero-padded (right/bottom) to a multiple of the patch size, the window never shrinks, the
     * feature map is zero-padded to window multiples and shifted blocks always shift by window/2 (the mask then keeps
     * the rolled regions apart, even where one window covers the padded map).
     */
    PADDED
}
