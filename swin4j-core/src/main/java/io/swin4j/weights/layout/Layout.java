package io.swin4j.weights.layout;

import io.swin4j.geometry.SizeRule;

/** The public implementations whose state-dict naming swin4j reads (each family has its own subset: {@link Adapters}). */
public enum Layout {
    OFFICIAL("microsoft/Swin-Transformer: layers.i.blocks.j..., merge at the end of stage i, head.*", SizeRule.OFFICIAL),
    TIMM("timm >= 0.9: official block names, merge at the start of stage i+1, head.fc.*", SizeRule.OFFICIAL),
    HF("HF transformers v4 (hub files): swin.embeddings/encoder..., split query/key/value, classifier.*", SizeRule.OFFICIAL),
    HF_V5("HF transformers v5 module names: attention.q_proj/k_proj/v_proj/o_proj (per the reference doc)", SizeRule.OFFICIAL),
    TORCHVISION("torchvision: features.N (stem, stages and merges flattened), mlp.0/mlp.3", SizeRule.TORCHVISION),
    MMDET("mmdet/mmseg backbone: backbone.stages..., attn.w_msa, ffn, unfold-ordered merge weights", SizeRule.PADDED),
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
}
