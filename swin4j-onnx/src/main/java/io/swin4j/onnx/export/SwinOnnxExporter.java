package io.swin4j.onnx.export;

import io.swin4j.io.AtomicFiles;
import io.swin4j.model.AttentionVariant;
import io.swin4j.model.ExportView;
import io.swin4j.model.Precision;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.onnx.graph.GraphBuilder;
import io.swin4j.onnx.proto.Onnx;
import io.swin4j.onnx.proto.Onnx.TensorProto.DataType;
import io.swin4j.onnx.export.Dims.Dim;
import io.swin4j.tensor.HostTensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.swin4j.onnx.graph.GraphBuilder.attr;
import static io.swin4j.onnx.graph.GraphBuilder.ints;

/**
 * Writes a swin4j model (V1, V2 or Swin-MLP; classifier or embedder) as an ONNX graph of its own making, not a trace:
 * per block, the window partition with its pad and cyclic shift is ONE {@code Gather} of the token axis with a
 * constant index, the reverse another; the relative position bias (V2: the continuous position bias MLP's output)
 * and the shift mask are folded into ONE constant additive bias per block; attention is ONNX Runtime's fused
 * {@code com.microsoft.MultiHeadAttention} in {@link OnnxExportOptions.Ops#CONTRIB} mode, or standard MatMul/Softmax.
 * The batch may be dynamic; the size is fixed by the options (the indices and biases are the size's), or dynamic: the
 * same indices, shift masks and relative biases are then computed in the graph ({@link InGraphWindows}, {@link Dims}).
 */
public final class SwinOnnxExporter {

    private SwinOnnxExporter() {}

    /** The graph of {@code model} (fp32, eval); the model is read, not changed. */
    public static Onnx.ModelProto export(SwinTransformer model, OnnxExportOptions options) {
        check(model, options);
        return new Writer(model.exportView(), options, false).write();
    }

    private static void check(SwinTransformer model, OnnxExportOptions options) {
        if (model.precision() != Precision.FP32) {
            throw new IllegalArgumentException("ONNX export writes fp32 graphs; this model runs in "
                    + model.precisionLabel() + " (export the fp32 weights instead)");
        }
        SwinConfig c = model.config();
        if (c.ape() && (options.dynamicSize() || options.height() != c.imgSize() || options.width() != c.imgSize())) {
            throw new IllegalArgumentException("a model with an absolute position embedding exports at its own size "
                    + c.imgSize() + "x" + c.imgSize() + " only; asked "
                    + (options.dynamicSize() ? "a dynamic size" : options.height() + "x" + options.width()));
        }
    }

    /**
     * A graph whose weights are declared but not embedded, and those weights: for a runtime that takes initializers
     * from memory (the onnxruntime engine), so the weights are not copied into a protobuf message and out again.
     */
    public record External(Onnx.ModelProto graph, Map<String, HostTensor> weights) {}

    /** As {@link #export}, with the model's parameters as external initializers ({@link External}). */
    public static External exportExternal(SwinTransformer model, OnnxExportOptions options) {
        check(model, options);
        Writer w = new Writer(model.exportView(), options, true);
        Onnx.ModelProto graph = w.write();
        return new External(graph, w.g.externalWeights());
    }

    /** Writes the graph of {@code model} to {@code out} atomically; returns the model written. */
    public static Onnx.ModelProto write(SwinTransformer model, OnnxExportOptions options, Path out) throws IOException {
        Onnx.ModelProto m = export(model, options);
        AtomicFiles.write(out, m::writeTo);
        return m;
    }

    /** One export: the graph builder and the state of the walk. */
    private static final class Writer {
        private final ExportView view;
        private final SwinConfig config;
        private final OnnxExportOptions o;
        private final Map<String, HostTensor> weights;
        private final GraphBuilder g;
        private final Map<String, String> indexCache = new HashMap<>();
        private final Map<String, InGraphWindows.Plan> inGraphPlans = new HashMap<>();
        private final Dims d;
        private final InGraphWindows inGraph;
        private String batchShape;

        Writer(ExportView view, OnnxExportOptions o, boolean externalWeights) {
            this.view = view;
            this.config = view.config();
            this.o = o;
            this.weights = view.weights();
            this.g = new GraphBuilder(config.name(), externalWeights);
            this.d = new Dims(g);
            this.inGraph = new InGraphWindows(g, d);
        }

        Onnx.ModelProto write() {
            Object batch = o.dynamicBatch() ? "batch" : (Object) (long) o.batch();
            String x = input(batch);
            Dim inH, inW, h, w;
            if (o.dynamicSize()) {
                inH = d.dimOf(x, 2);
                inW = d.dimOf(x, 3);
                // the patch grid in the graph, as PatchEmbed.grid: padded to patch multiples, or the rest dropped
                int p = config.patchSize();
                h = view.padsInput() ? d.div(d.add(inH, p - 1), p) : d.div(inH, p);
                w = view.padsInput() ? d.div(d.add(inW, p - 1), p) : d.div(inW, p);
            } else {
                int[] grid = view.grid(o.height(), o.width());
                if (grid[0] < 1 || grid[1] < 1) {
                    throw new IllegalArgumentException("input " + o.height() + "x" + o.width() + " is smaller than a "
                            + config.patchSize() + "x" + config.patchSize() + " patch");
                }
                inH = Dim.of(o.height());
                inW = Dim.of(o.width());
                h = Dim.of(grid[0]);
                w = Dim.of(grid[1]);
            }
            Tokens t = Tokens.of(patchEmbed(x, inH, inW));
            for (int s = 0; s < config.numStages(); s++) {
                for (int j = 0; j < config.depths()[s]; j++) t = block(view.block(s, j), t, h, w, s);
                if (o.outputs().contains(OnnxExportOptions.Output.STAGE_FEATURES)) {
                    t = materialize(t);
                    g.push("stage" + s);
                    String nhwc = g.op("Reshape", t.value(), d.shape(-1, h, w, config.stageDim(s)));
                    String nchw = g.op("Transpose", List.of(nhwc), ints("perm", 0L, 3L, 1L, 2L));
                    g.pop();
                    g.output(nchw, "stage" + s, DataType.FLOAT, batch, (long) config.stageDim(s),
                            h.known() ? (Object) h.value() : "stage" + s + "_height",
                            w.known() ? (Object) w.value() : "stage" + s + "_width");
                }
                if (view.merges(s)) {
                    t = Tokens.of(merge(materialize(t).value(), h, w, s));
                    h = d.div(d.add(h, 1), 2);
                    w = d.div(d.add(w, 1), 2);
                }
            }
            boolean wantLogits = o.outputs().contains(OnnxExportOptions.Output.LOGITS);
            boolean wantEmbedding = o.outputs().contains(OnnxExportOptions.Output.EMBEDDING);
            if (wantLogits && config.numClasses() == 0) {
                throw new IllegalArgumentException("the model has no classifier head (0 classes): no logits output");
            }
            if (wantLogits || wantEmbedding) {
                g.push("norm");
                String normed = norm(t, "norm").value();
                g.pop();
                g.push("pool");
                String perImage = g.op("Reshape", normed, d.shape(-1, d.mul(h, w), config.numFeatures()));
                String pooled = g.op("ReduceMean", List.of(perImage), ints("axes", 1L), attr("keepdims", 0L));
                g.pop();
                if (wantEmbedding) g.output(pooled, "embedding", DataType.FLOAT, batch, (long) config.numFeatures());
                if (wantLogits) {
                    g.push("head");
                    String logits = linear(pooled, "head");
                    g.pop();
                    g.output(logits, "logits", DataType.FLOAT, batch, (long) config.numClasses());
                }
            }
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("swin4j.config", config.name());
            meta.put("swin4j.family", config.family().name());
            meta.put("swin4j.size_rule", config.sizeRule().name());
            meta.put("swin4j.ops", o.ops().name());
            meta.put("swin4j.input_size", o.dynamicSize() ? "dynamic" : o.height() + "x" + o.width());
            return g.build(o.opset(), version(), meta);
        }

        private static String version() {
            String v = SwinOnnxExporter.class.getPackage().getImplementationVersion();
            return v == null ? "dev" : v;
        }

        // ---- input and stem ---------------------------------------------------------------------------------

        private String input(Object batch) {
            Object h = o.dynamicSize() ? "height" : (Object) (long) o.height();
            Object w = o.dynamicSize() ? "width" : (Object) (long) o.width();
            if (!o.normalizeInGraph()) return g.input("images", DataType.FLOAT, batch, (long) config.inChans(), h, w);
            if (config.inChans() != 3) throw new IllegalArgumentException("in-graph normalisation is for RGB models");
            String pixels = g.input("pixels", DataType.UINT8, batch, h, w, 3L);
            g.push("normalize");
            String f = g.op("Cast", List.of(pixels), attr("to", (long) DataType.FLOAT_VALUE));
            String chw = g.op("Transpose", List.of(f), ints("perm", 0L, 3L, 1L, 2L));
            String unit = g.op("Div", chw, g.scalar(255f));
            String mean = g.floats("mean", o.mean(), 1, 3, 1, 1);
            String std = g.floats("std", o.std(), 1, 3, 1, 1);
            String out = g.op("Div", g.op("Sub", unit, mean), std);
            g.pop();
            return out;
        }

        private String patchEmbed(String images, Dim height, Dim width) {
            g.push("patch_embed");
            int p = config.patchSize();
            String x = images;
            Dim ph = d.mod(d.sub(Dim.of(p), d.mod(height, p)), p), pw = d.mod(d.sub(Dim.of(p), d.mod(width, p)), p);
            boolean none = ph.known() && pw.known() && ph.value() == 0 && pw.value() == 0;
            if (view.padsInput() && !none) x = g.op("Pad", x, d.shape(0, 0, 0, 0, 0, 0, ph, pw));
            String conv = g.op("Conv", List.of(x, param("patch_embed.proj.weight"), param("patch_embed.proj.bias")),
                    ints("kernel_shape", (long) p, (long) p), ints("strides", (long) p, (long) p));
            String flat = g.op("Reshape", conv, g.shape(0, config.embedDim(), -1));
            x = g.op("Transpose", List.of(flat), ints("perm", 0L, 2L, 1L));
            if (config.ape()) {
                if (weights.containsKey("patch_embed.norm.weight")) x = layerNorm(x, "patch_embed.norm");
                x = g.op("Add", x, param("absolute_pos_embed"));
            }
            x = g.op("Reshape", x, g.shape(-1, config.embedDim()));
            if (!config.ape() && weights.containsKey("patch_embed.norm.weight")) x = layerNorm(x, "patch_embed.norm");
            g.pop();
            return x;
        }

        // ---- blocks -----------------------------------------------------------------------------------------

        /**
         * The residual stream as (B·L, C) tokens: a value, or a residual sum not yet computed (branch + skip) that the
         * next LayerNorm computes with it (ONNX Runtime's SkipLayerNormalization, contrib mode).
         */
        private record Tokens(String value, String branch, String skip) {
            static Tokens of(String value) { return new Tokens(value, null, null); }

            static Tokens sum(String branch, String skip) { return new Tokens(null, branch, skip); }

            boolean pending() { return value == null; }
        }

        private Tokens materialize(Tokens t) {
            return t.pending() ? Tokens.of(g.op("Add", t.skip(), t.branch())) : t;
        }

        /** LayerNorm of the stream; a pending sum is computed with it. */
        private Tokens norm(Tokens t, String name) {
            return normAndStream(t, name)[0];
        }

        /** {normed, the stream materialized}. */
        private Tokens[] normAndStream(Tokens t, String name) {
            if (t.pending() && o.ops() == OnnxExportOptions.Ops.CONTRIB) {
                List<String> outs = g.microsoftOps("SkipLayerNormalization", 4,
                        List.of(t.branch(), t.skip(), param(name + ".weight"), param(name + ".bias")),
                        attr("epsilon", (float) SwinConfig.LAYER_NORM_EPS));
                return new Tokens[] {Tokens.of(outs.get(0)), Tokens.of(outs.get(3))};
            }
            Tokens m = materialize(t);
            return new Tokens[] {Tokens.of(layerNorm(m.value(), name)), m};
        }

        private Tokens block(ExportView.Block b, Tokens t, Dim h, Dim w, int stage) {
            String pre = b.prefix();
            g.push(pre);
            Windows win = windows(b, h, w, stage);
            int c = config.stageDim(stage);
            Tokens out;
            if (b.resPostNorm()) {
                String x = materialize(t).value();
                String mixed = mix(b, x, win, c, d.mul(h, w));
                String x1 = g.op("Add", x, layerNorm(mixed, pre + ".norm1"));
                String ffn = mlp(x1, pre);
                out = Tokens.of(g.op("Add", x1, layerNorm(ffn, pre + ".norm2")));
            } else {
                Tokens[] normed = normAndStream(t, pre + ".norm1");
                String mixed = mix(b, normed[0].value(), win, c, d.mul(h, w));
                Tokens[] h2 = normAndStream(Tokens.sum(mixed, normed[1].value()), pre + ".norm2");
                out = Tokens.sum(mlp(h2[0].value(), pre), h2[1].value());
            }
            g.pop();
            return out;
        }

        /**
         * A block's windows at a size: gather indices, counts, and (dynamic size only) the shift mask; a static size
         * takes them from the model ({@code fixed}), a dynamic one computes them in the graph.
         */
        private record Windows(String partition, String reverse, boolean padded, Dim windows, Dim tokens, Dim window,
                               String mask, ExportView.Windows fixed) {}

        private Windows windows(ExportView.Block b, Dim h, Dim w, int stage) {
            if (h.known() && w.known()) {
                ExportView.Windows win = b.windows((int) h.value(), (int) w.value());
                return new Windows(index("partition", win.partition(), win), index("reverse", win.reverse(), win),
                        win.padded(), Dim.of(win.windows()), Dim.of(win.tokens()), Dim.of(win.plan().windowH()), null, win);
            }
            String key = stage + ":" + b.shifted();
            InGraphWindows.Plan p = inGraphPlans.computeIfAbsent(key, k -> {
                g.push("layers." + stage + (b.shifted() ? ".shifted_windows" : ".windows"));
                InGraphWindows.Plan plan = b.mixer() == ExportView.Mixer.SPATIAL_MLP
                        ? inGraph.zeroPadded(h, w, b.window(), b.shifted(), config.sizeRule())
                        : inGraph.cyclic(h, w, b.window(), b.shifted(), config.sizeRule(), SwinConfig.MASK_FILL);
                g.pop();
                return plan;
            });
            return new Windows(p.partition(), p.reverse(), true, p.windows(), p.tokens(), p.window(), p.mask(), null);
        }

        /** Partition, mix, reverse, and the projection (per token, so after the reverse: no padding tokens). */
        private String mix(ExportView.Block b, String tokens2d, Windows win, int c, Dim length) {
            String m = b.prefix() + "." + b.mixerName();
            String tokens = g.op("Reshape", tokens2d, d.shape(-1, length, c));
            String padded = win.padded() ? g.op("Pad", tokens, g.shape(0, 0, 0, 0, 1, 0)) : tokens;
            String windows = g.op("Gather", List.of(padded, win.partition()), attr("axis", 1L));
            String mixed = switch (b.mixer()) {
                case SPATIAL_MLP -> spatialMlp(windows, m, b.heads(), win, c);
                case ATTENTION, COSINE_ATTENTION -> attention(b, windows, m, win, c);
            };
            String back = g.op("Gather", List.of(mixed, win.reverse()), attr("axis", 1L));
            String flat = g.op("Reshape", back, g.shape(-1, c));
            return b.mixer() == ExportView.Mixer.SPATIAL_MLP ? flat : linear(flat, m + ".proj");
        }

        /** One int64 index constant per distinct (kind, plan) — blocks of a stage share them. */
        private String index(String kind, int[] values, ExportView.Windows win) {
            String key = kind + win.plan() + ":" + win.windows() + "x" + win.tokens();
            return indexCache.computeIfAbsent(key, k -> g.longs(kind + "_index", values, values.length));
        }

        /** (B, nW·N, C) windows → attended (B, nW·N, C), before the projection. */
        private String attention(ExportView.Block b, String windows, String m, Windows win, int c) {
            int heads = b.heads(), hd = c / heads;
            Dim n = win.tokens(), nw = win.windows();
            boolean cosine = b.mixer() == ExportView.Mixer.COSINE_ATTENTION;
            String bias;
            boolean perWindow;
            if (win.fixed() != null) {
                // relative position bias and shift mask folded into one constant
                HostTensor biasHost = b.attentionBias(win.fixed().plan().height(), win.fixed().plan().width());
                bias = g.floats("attn_bias", biasHost.data(), biasHost.shape());
                perWindow = biasHost.dim(0) != 1;
            } else {
                bias = relativeBias(b, win);
                perWindow = win.mask() != null;
                if (perWindow) bias = g.op("Add", bias, win.mask());
            }
            String qkvBias = cosine ? v2QkvBias(m, c) : weights.containsKey(m + ".qkv.bias") ? param(m + ".qkv.bias") : null;
            String flatWindows = g.op("Reshape", windows, g.shape(-1, c));
            String qkv = g.op("Gemm", List.of(flatWindows, param(m + ".qkv.weight")), attr("transB", 1L));
            String rows = g.op("Reshape", qkv, d.shape(-1, n, 3L * c));
            AttentionVariant variant = config.attention() == null ? AttentionVariant.VANILLA : config.attention();
            if (o.ops() == OnnxExportOptions.Ops.CONTRIB && !variant.clips() && !variant.hasGate()) {
                List<String> parts = g.ops("", "Split", 3, List.of(rows, g.shape(c, c, c)), attr("axis", 2L));
                String q = parts.get(0), k = parts.get(1), v = parts.get(2);
                String biasArg = "";
                float scale = (float) Math.pow(hd, -0.5);
                if (cosine) {
                    if (qkvBias != null) {
                        List<String> bs = g.ops("", "Split", 3, List.of(qkvBias, g.shape(c, c, c)), attr("axis", 0L));
                        q = g.op("Add", q, bs.get(0));
                        v = g.op("Add", v, bs.get(2));
                    }
                    String scaleConst = g.floats("logit_scale", b.logitScale(), 1, 1, heads, 1);
                    q = g.op("Reshape", g.op("Mul", normalize(q, n, heads, hd), scaleConst), d.shape(-1, n, c));
                    k = g.op("Reshape", normalize(k, n, heads, hd), d.shape(-1, n, c));
                    scale = 1f;
                } else if (qkvBias != null) {
                    biasArg = qkvBias;
                }
                String attnBias = perWindow ? expandToBatch(bias, nw, heads, n) : bias;
                String out = g.microsoft("MultiHeadAttention", List.of(q, k, v, biasArg, "", attnBias),
                        attr("num_heads", (long) heads), attr("scale", scale));
                return g.op("Reshape", out, d.shape(-1, d.mul(nw, n), c));
            }
            if (qkvBias != null) rows = g.op("Add", rows, qkvBias);
            String split = g.op("Transpose", List.of(g.op("Reshape", rows, d.shape(-1, n, 3, heads, hd))),
                    ints("perm", 2L, 0L, 3L, 1L, 4L));
            String q = g.op("Gather", List.of(split, g.shape(0)), attr("axis", 0L));
            String k = g.op("Gather", List.of(split, g.shape(1)), attr("axis", 0L));
            String v = g.op("Gather", List.of(split, g.shape(2)), attr("axis", 0L));
            // Gather with a 1-element index keeps that axis: (1, B·nW, heads, N, d) → squeeze it by reshaping.
            q = g.op("Reshape", q, d.shape(-1, heads, n, hd));
            k = g.op("Reshape", k, d.shape(-1, heads, n, hd));
            v = g.op("Reshape", v, d.shape(-1, heads, n, hd));
            if (cosine) {
                q = g.op("Mul", l2Normalize(q), g.floats("logit_scale", b.logitScale(), 1, heads, 1, 1));
                k = l2Normalize(k);
            } else {
                q = g.op("Mul", q, g.scalar((float) Math.pow(hd, -0.5)));
            }
            String logits = g.op("MatMul", q, g.op("Transpose", List.of(k), ints("perm", 0L, 1L, 3L, 2L)));
            if (perWindow) {
                String grouped = g.op("Reshape", logits, d.shape(-1, nw, heads, n, n));
                logits = g.op("Reshape", g.op("Add", grouped, bias), d.shape(-1, heads, n, n));
            } else {
                logits = g.op("Add", logits, bias);
            }
            String probs = g.op("Softmax", List.of(logits), attr("axis", -1L));
            if (variant.clips()) probs = clipSoftmax(probs, variant, n);
            String out = g.op("Transpose", List.of(g.op("MatMul", probs, v)), ints("perm", 0L, 2L, 1L, 3L));
            if (variant.hasGate()) out = g.op("Mul", out, gate(flatWindows, m, n, heads, hd));
            return g.op("Reshape", out, d.shape(-1, d.mul(nw, n), c));
        }

        /** Clipped softmax clip((ζ − γ)·p + γ, 0, 1), γ = −α/N for windows of N tokens (WindowAttention.clip). */
        private String clipSoftmax(String probs, AttentionVariant variant, Dim n) {
            String gamma, stretch;
            if (n.known()) {
                double gm = variant.gamma(n.value());
                gamma = g.scalar((float) gm);
                stretch = g.scalar((float) (variant.zeta() - gm));
            } else {
                String tokens = g.op("Cast", List.of(d.t(n)), attr("to", (long) DataType.FLOAT_VALUE));
                gamma = g.op("Div", g.scalar((float) -variant.alpha()), tokens);
                stretch = g.op("Sub", g.scalar((float) variant.zeta()), gamma);
            }
            String affine = g.op("Add", g.op("Mul", probs, stretch), gamma);
            return g.op("Clip", affine, g.scalar(0f), g.scalar(1f));
        }

        /**
         * Gated attention's gates (B·nW, N, heads, 1), sigmoid(x_h·w_h + b_h) of each token's head slices
         * (AttentionGate): one Gemm of the (B·nW·N, C) attention input with the per-head weights laid out
         * block-diagonally as (C, heads).
         */
        private String gate(String flatWindows, String m, Dim n, int heads, int hd) {
            HostTensor w = weights.get(m + ".gate.weight");
            if (w == null) throw new IllegalStateException("the gated model has no parameter " + m + ".gate.weight");
            float[] blockDiagonal = new float[heads * hd * heads];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < hd; i++) blockDiagonal[(h * hd + i) * heads + h] = w.data()[h * hd + i];
            }
            String weight = g.floats("gate_weight", blockDiagonal, (long) heads * hd, heads);
            String logits = g.op("Gemm", flatWindows, weight, param(m + ".gate.bias"));
            return g.op("Reshape", g.op("Sigmoid", logits), d.shape(-1, n, heads, 1));
        }

        /** (nW, heads, N, N) → (B·nW, heads, N, N) for a batch of B (what MultiHeadAttention takes). */
        private String expandToBatch(String bias, Dim nw, int heads, Dim n) {
            String withBatch = g.op("Reshape", bias, d.shape(1, nw, heads, n, n));
            String shape = g.op("Concat", List.of(batchShape(), d.shape(nw, heads, n, n)), attr("axis", 0L));
            return g.op("Reshape", g.op("Expand", withBatch, shape), d.shape(-1, heads, n, n));
        }

        /**
         * The relative position bias at a window known only at run time, (1, heads, N, N): under the OFFICIAL rule the
         * window shrinks to small maps, so the biases of every side 1..M are stored one after the other (row w⁴ per
         * side) and the run-time side picks its rows; the other rules keep the window, one constant.
         */
        private String relativeBias(ExportView.Block b, Windows win) {
            int m = b.window(), heads = b.heads();
            if (config.sizeRule() != io.swin4j.geometry.SizeRule.OFFICIAL) {
                HostTensor t = b.relativeBias(m);
                return g.floats("relative_bias", t.data(), 1, heads, (long) m * m, (long) m * m);
            }
            long[] offsets = new long[m + 2];
            for (int w = 1; w <= m; w++) offsets[w + 1] = offsets[w] + (long) w * w * w * w;
            float[] all = new float[Math.toIntExact(offsets[m + 1] * heads)];
            for (int w = 1; w <= m; w++) {
                float[] t = b.relativeBias(w).data(); // (heads, n, n) → rows (i·n + j), columns heads
                int nn = w * w * w * w;
                for (int h = 0; h < heads; h++) {
                    for (int r = 0; r < nn; r++) all[Math.toIntExact((offsets[w] + r) * heads + h)] = t[h * nn + r];
                }
            }
            String table = g.floats("relative_bias_by_window", all, offsets[m + 1], heads);
            String offsetTable = g.longs("relative_bias_offsets", offsets, offsets.length);
            String start = g.op("Gather", List.of(offsetTable, d.t(win.window())), attr("axis", 0L));
            String end = g.op("Add", start, d.t(d.mul(win.tokens(), win.tokens())));
            String rows = g.op("Range", g.op("Squeeze", start, g.shape(0)), g.op("Squeeze", end, g.shape(0)),
                    g.scalarLong(1));
            String picked = g.op("Gather", List.of(table, rows), attr("axis", 0L));
            String byHead = g.op("Transpose", List.of(picked), ints("perm", 1L, 0L));
            return g.op("Reshape", byHead, d.shape(1, heads, win.tokens(), win.tokens()));
        }

        /** The batch size as a 1-element int64 tensor, from the input's shape (once per graph). */
        private String batchShape() {
            if (batchShape == null) {
                batchShape = o.dynamicBatch() ? d.t(d.dimOf(o.normalizeInGraph() ? "pixels" : "images", 0))
                        : g.shape(o.batch());
            }
            return batchShape;
        }

        /** V2's qkv bias cat(q_bias, 0, v_bias) as one constant (3C), or null without q_bias. */
        private String v2QkvBias(String m, int c) {
            HostTensor q = weights.get(m + ".q_bias"), v = weights.get(m + ".v_bias");
            if (q == null) return null;
            float[] all = new float[3 * c];
            System.arraycopy(q.data(), 0, all, 0, c);
            System.arraycopy(v.data(), 0, all, 2 * c, c);
            return g.floats("qkv_bias", all, 3L * c);
        }

        /** (B·nW, N, C) per head normalised: (B·nW, N, heads, d) / max(‖·‖₂, 1e-12). */
        private String normalize(String x, Dim n, int heads, int hd) {
            return l2Normalize(g.op("Reshape", x, d.shape(-1, n, heads, hd)));
        }

        /** F.normalize over the last axis: x / max(‖x‖₂, 1e-12). */
        private String l2Normalize(String x) {
            String norm = g.op("ReduceL2", List.of(x), ints("axes", -1L), attr("keepdims", 1L));
            return g.op("Div", x, g.op("Max", norm, g.scalar(1e-12f)));
        }

        /** Swin-MLP's per-head linear map over the window's token positions. */
        private String spatialMlp(String windows, String m, int heads, Windows win, int c) {
            int n = Math.toIntExact(win.tokens().value()), hd = c / heads;
            Dim nw = win.windows();
            HostTensor wt = weights.get(m + ".weight"), bt = weights.get(m + ".bias");
            String weight = g.weight(m + ".weight", wt.data(), heads, n, n);
            String bias = g.weight(m + ".bias", bt.data(), heads, n, 1);
            String perHead = g.op("Transpose", List.of(g.op("Reshape", windows, g.shape(-1, n, heads, hd))),
                    ints("perm", 0L, 2L, 1L, 3L));
            String mixed = g.op("Add", g.op("MatMul", weight, perHead), bias);
            String back = g.op("Transpose", List.of(mixed), ints("perm", 0L, 2L, 1L, 3L));
            return g.op("Reshape", back, d.shape(-1, d.mul(nw, Dim.of(n)), c));
        }

        private String mlp(String x, String pre) {
            String hidden = gelu(linear(x, pre + ".mlp.fc1"));
            return linear(hidden, pre + ".mlp.fc2");
        }

        /** Exact GELU, x·½·(1 + erf(x/√2)), in the pattern ONNX Runtime's optimiser fuses into its Gelu. */
        private String gelu(String x) {
            String erf = g.op("Erf", g.op("Div", x, g.scalar((float) Math.sqrt(2.0))));
            return g.op("Mul", g.op("Mul", x, g.op("Add", erf, g.scalar(1f))), g.scalar(0.5f));
        }

        // ---- merge, norms, linears ---------------------------------------------------------------------------

        /** 2×2 patch merging: (B, H·W, C) → (B, ⌈H/2⌉·⌈W/2⌉, 2C). */
        private String merge(String x, Dim h, Dim w, int stage) {
            String pre = "layers." + stage + ".downsample";
            g.push(pre);
            int c = config.stageDim(stage);
            String grid = g.op("Reshape", x, d.shape(-1, h, w, c));
            Dim oddH = d.mod(h, 2), oddW = d.mod(w, 2);
            boolean even = oddH.known() && oddW.known() && oddH.value() == 0 && oddW.value() == 0;
            if (!even) grid = g.op("Pad", grid, d.shape(0, 0, 0, 0, 0, oddH, oddW, 0));
            Dim h2 = d.div(d.add(h, 1), 2), w2 = d.div(d.add(w, 1), 2);
            String six = g.op("Reshape", grid, d.shape(-1, h2, 2, w2, 2, c));
            String perm = g.op("Transpose", List.of(six), ints("perm", 0L, 1L, 3L, 4L, 2L, 5L));
            String merged = g.op("Reshape", perm, g.shape(-1, 4L * c));
            boolean normAfter = config.family() == SwinConfig.Family.V2;
            String out = normAfter ? layerNorm(linear(merged, pre + ".reduction"), pre + ".norm")
                    : linear(layerNorm(merged, pre + ".norm"), pre + ".reduction");
            g.pop();
            return out;
        }

        private String layerNorm(String x, String name) {
            return g.op("LayerNormalization", List.of(x, param(name + ".weight"), param(name + ".bias")),
                    attr("axis", -1L), attr("epsilon", (float) SwinConfig.LAYER_NORM_EPS));
        }

        /** x·Wᵀ + b over (rows, in) tokens: one Gemm with the (out, in) weight as stored. */
        private String linear(String x, String name) {
            List<String> in = weights.containsKey(name + ".bias")
                    ? List.of(x, param(name + ".weight"), param(name + ".bias")) : List.of(x, param(name + ".weight"));
            return g.op("Gemm", in, attr("transB", 1L));
        }

        private String param(String name) {
            HostTensor t = weights.get(name);
            if (t == null) throw new IllegalStateException("the model has no parameter " + name);
            return g.weight(name, t.data(), t.shape());
        }
    }
}
