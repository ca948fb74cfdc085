package io.swin4j.model;

import java.util.Locale;
import java.util.Objects;

/**
 * How window attention turns logits into a mix of values (Bondarenko, Nagel, Blankevoort 2023, "Quantizable
 * Transformers: Removing Outliers by Helping Attention Heads Do Nothing"):
 * <ul>
 *   <li>{@link Kind#VANILLA}: softmax;</li>
 *   <li>{@link Kind#CLIPPED}: clip((ζ − γ)·softmax(x) + γ, 0, 1) with γ = −α/T, T the tokens of the block's runtime
 *       window (M·M), so that exact 0 (γ &lt; 0) and exact 1 (ζ &gt; 1) are reachable with finite logits;</li>
 *   <li>{@link Kind#GATED}: each head's output of a window multiplied by sigmoid(mean over the window's tokens of
 *       G_h(x_h)), G_h a Linear(d_head → 1) per head on the attention input split into heads (the authors'
 *       "conditional per head" gate), its bias initialised to logit(π_init).</li>
 * </ul>
 * Defaults (see {@link #clipped()}, {@link #gated()}) are the paper's vision results (ViT-S/16, appendix B.4-B.5):
 * clipped γ = −0.003 at T = 197 tokens was the best W8A8 setting (tables 7 and 8), that is α = 0.6, with ζ = 1 (ζ &gt; 1
 * "yields similar results to the vanilla softmax"); larger α zeroes near-uniform attention rows entirely (any α &gt; 1
 * does: (1 − γ)/T + γ &lt; 0), so that a freshly initialised model gets no gradient through them. π_init = 0.5
 * (bias 0): the authors' default (appendix B.1; their code leaves the bias at PyTorch's init, mean 0) and the best ViT
 * gated setting with a LayerNorm after the patch embedding (table 7), which Swin has. Clipping adds no parameters; the
 * gate adds heads·(d_head + 1) per block.
 *
 * @param kind     which variant
 * @param alpha    clipped: γ = −alpha/T (≥ 0); 0 for the other kinds
 * @param zeta     clipped: the stretch ζ (≥ 1); 1 for the other kinds
 * @param gateInit gated: π_init in (0, 1), the initial gate probability; 0 for the other kinds
 */
public record AttentionVariant(Kind kind, double alpha, double zeta, double gateInit) {

    public enum Kind { VANILLA, CLIPPED, GATED }

    /** The paper's best ViT-S/16 clipped softmax, γ = −0.003 at T = 197, as α = −γ·T (γ = −α/T). */
    public static final double DEFAULT_ALPHA = 0.6;
    public static final double DEFAULT_ZETA = 1;
    /** The authors' default initial gate probability (gate bias 0). */
    public static final double DEFAULT_GATE_INIT = 0.5;
    /** Upper bounds a saved card must respect (far above any published setting). */
    public static final double MAX_ALPHA = 1e4, MAX_ZETA = 10;

    public static final AttentionVariant VANILLA = new AttentionVariant(Kind.VANILLA, 0, 1, 0);

    public AttentionVariant {
        Objects.requireNonNull(kind, "attention kind");
        switch (kind) {
            case VANILLA -> require(alpha == 0 && zeta == 1 && gateInit == 0,
                    "vanilla attention takes no parameters, got alpha=" + alpha + ", zeta=" + zeta + ", gateInit=" + gateInit);
            case CLIPPED -> {
                require(Double.isFinite(alpha) && alpha >= 0 && alpha <= MAX_ALPHA,
                        "clipped softmax alpha must be in [0, " + MAX_ALPHA + "], got " + alpha);
                require(Double.isFinite(zeta) && zeta >= 1 && zeta <= MAX_ZETA,
                        "clipped softmax zeta must be in [1, " + MAX_ZETA + "], got " + zeta);
                require(gateInit == 0, "clipped softmax takes no gate init, got " + gateInit);
            }
            case GATED -> {
                require(Double.isFinite(gateInit) && gateInit > 0 && gateInit < 1,
                        "gate init (pi_init) must be in (0, 1), got " + gateInit);
                require(alpha == 0 && zeta == 1, "gated attention takes no clipping parameters, got alpha=" + alpha
                        + ", zeta=" + zeta);
            }
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    public static AttentionVariant clipped(double alpha, double zeta) {
        return new AttentionVariant(Kind.CLIPPED, alpha, zeta, 0);
    }

    public static AttentionVariant clipped() { return clipped(DEFAULT_ALPHA, DEFAULT_ZETA); }

    public static AttentionVariant gated(double gateInit) { return new AttentionVariant(Kind.GATED, 0, 1, gateInit); }

    public static AttentionVariant gated() { return gated(DEFAULT_GATE_INIT); }

    /**
     * A variant by name ("vanilla", "clipped", "gated"), the parameters that do not apply to it ignored, null ones
     * taking their defaults.
     */
    public static AttentionVariant of(String name, Double alpha, Double zeta, Double gateInit) {
        Kind kind;
        try {
            kind = Kind.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown attention variant '" + name + "'; known: vanilla, clipped, gated");
        }
        return switch (kind) {
            case VANILLA -> VANILLA;
            case CLIPPED -> clipped(alpha == null ? DEFAULT_ALPHA : alpha, zeta == null ? DEFAULT_ZETA : zeta);
            case GATED -> gated(gateInit == null ? DEFAULT_GATE_INIT : gateInit);
        };
    }

    public boolean clips() { return kind == Kind.CLIPPED; }

    public boolean hasGate() { return kind == Kind.GATED; }

    /** γ = −α/T for a window of {@code tokens} tokens. */
    public double gamma(long tokens) { return -alpha / tokens; }

    @Override
    public String toString() {
        return switch (kind) {
            case VANILLA -> "vanilla";
            case CLIPPED -> "clipped(alpha=" + alpha + ", zeta=" + zeta + ")";
            case GATED -> "gated(pi_init=" + gateInit + ")";
        };
    }
}
