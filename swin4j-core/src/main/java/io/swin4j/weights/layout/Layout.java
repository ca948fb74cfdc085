package io.swin4j.weights.layout;

import io.swin4j.geometry.SizeRule;

/** The public implementations whose state-dict naming swin4j reads (each family has its own subset: {@link Adapters}). */
public enum Layout {
    OFFICIAL("microsoft/Swin-Transformer: layers.i.blocks.j..., merge at the end of stage i, head.*", SizeRule.OFFICIAL),
    TIMM("timm >= 0.9: official block names, merge at the start of stage i+1, head.fc.*", SizeRule.OFFICIAL),
    HF("HF transformers v4 (hub files): swin.embeddings/encoder..., split query/key/value, classifier.*", SizeRule.OFFICIAL),
    HF_V5("HF transformers v5 module names: attention.q_proj/k_proj/v_proj/o_proj (per the reference doc)", SizeRule.OFFICIAL),
    TORCHVISION("torchvision: features.N (stem, stages and merges flattened), mlp.0/mlp.3", SizeRule.TORCHVISION),
    MMDET("mmdet/mmseg backbone: backbone.stages..., attn.w_msa, ffn, unfold-ordered merge weights", SizeRule.OFFICIAL),
    /** UPerNet segmentation (official Swin-Transformer-Semantic-Segmentation, mmseg 0.x with the official Swin): the
     *  segmentation canonical names themselves. */
    SEG_OFFICIAL("official Swin segmentation / mmseg 0.x: backbone.layers... (official Swin), backbone.norm0..3, "
            + "decode_head.* (UPerHead), auxiliary_head.* (FCNHead)", SizeRule.PADDED),
    /** UPerNet segmentation with mmseg's own Swin (mmseg 1.x, and mmseg 0.x's released Swin files); its ShiftWindowMSA
     *  pads to window multiples and always shifts, as the official seg repo: PADDED. */
    MMSEG("mmseg: backbone.stages... (attn.w_msa, ffn, unfold-ordered merge), backbone.norm0..3, decode_head.*, "
            + "auxiliary_head.*", SizeRule.PADDED),
    /** HF transformers {@code UperNetForSemanticSegmentation} with a Swin backbone. */
    HF_UPERNET("HF UperNetForSemanticSegmentation: backbone.embeddings/encoder... (HF Swin), backbone.hidden_states_norms, "
            + "decode_head.*.conv/batch_norm, decode_head.classifier, auxiliary_head.*", SizeRule.OFFICIAL),
    /** Written by swin4j: official names, no buffers. */
    CANONICAL("swin4j canonical: official names without buffers", SizeRule.OFFICIAL);

    private final String description;
    private final SizeRule sizeRule;

    Layout(String description, SizeRule sizeRule) {
        this.description = description;
        this.sizeRule = sizeRule;
    }

    public String description() { return description; }

    /** The size rule of the implementation that wrote this layout, so that loaded models match it. */
    public SizeRule sizeRule() { return sizeRule; }

    /** Whether this is a segmentation (UPerNet) layout: {@link SegmentationAdapters} converts it, not a family adapter. */
    public boolean isSegmentation() { return this == SEG_OFFICIAL || this == MMSEG || this == HF_UPERNET; }
}
