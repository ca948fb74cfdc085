package io.swin4j.weights.layout;

import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Adapts canonical weights to a config with another window or image size, as the official
 * {@code utils.load_pretrained} does: each relative-position-bias table (heads, 2M−1, 2M−1) and the absolute
 * position embedding (C, H, W) are resized with PyTorch's bicubic interpolation
 * ({@code F.interpolate(mode='bicubic', align_corners=False)}, A = −0.75, borders clamped).
 */
public final class Resampling {

    private static final Pattern TABLE = Pattern.compile("layers\\.(\\d+)\\.blocks\\.\\d+\\.attn\\.relative_position_bias_table");

    private Resampling() {}

    /** The weights resized to {@code target}'s per-stage windows and image grid; other tensors are shared. */
    public static Map<String, HostTensor> retarget(Map<String, HostTensor> canonical, SwinConfig target, List<String> notes) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        int resized = 0;
        for (Map.Entry<String, HostTensor> e : canonical.entrySet()) {
            HostTensor t = e.getValue();
            Matcher m = TABLE.matcher(e.getKey());
            if (m.matches()) {
                int side = 2 * target.stageWindow(Integer.parseInt(m.group(1))) - 1;
                int from = (int) Math.round(Math.sqrt(t.dim(0)));
                if (from != side) {
                    t = resizeTable(t, side);
                    resized++;
                }
            } else if (e.getKey().equals("absolute_pos_embed")) {
                int grid = target.imgSize() / target.patchSize();
                int from = (int) Math.round(Math.sqrt(t.dim(1)));
                if (from != grid) {
                    t = resizeTokens(t, grid);
                    notes.add("absolute_pos_embed resized " + from + "x" + from + " -> " + grid + "x" + grid + " (bicubic)");
                }
            }
            out.put(e.getKey(), t);
        }
        if (resized > 0) notes.add(resized + " relative-position-bias tables resized to the new windows (bicubic)");
        return out;
    }

    /** ((S·S), heads) → ((S'·S'), heads): each head's S×S grid interpolated to S'×S'. */
    static HostTensor resizeTable(HostTensor table, int newSide) {
        int heads = (int) table.dim(1);
        float[] out = resizeGrids(table.data(), heads, newSide);
        return new HostTensor(new long[] {(long) newSide * newSide, heads}, out, table.sourceDType());
    }

    /** (1, H·W, C) → (1, H'·W', C), as official load_pretrained does for absolute_pos_embed. */
    static HostTensor resizeTokens(HostTensor tokens, int newSide) {
        int c = (int) tokens.dim(2);
        float[] out = resizeGrids(tokens.data(), c, newSide);
        return new HostTensor(new long[] {1, (long) newSide * newSide, c}, out, tokens.sourceDType());
    }

    /** Channels-last (S·S, channels) values: each channel's square S×S grid resized to newSide×newSide. */
    private static float[] resizeGrids(float[] data, int channels, int newSide) {
        int cells = data.length / channels;
        int side = (int) Math.round(Math.sqrt(cells));
        float[] out = new float[newSide * newSide * channels];
        float[] grid = new float[cells];
        for (int ch = 0; ch < channels; ch++) {
            for (int i = 0; i < cells; i++) grid[i] = data[i * channels + ch];
            float[] resized = bicubic(grid, side, side, newSide, newSide);
            for (int i = 0; i < resized.length; i++) out[i * channels + ch] = resized[i];
        }
        return out;
    }

    private static final float A = -0.75f;

    /** PyTorch's upsample_bicubic2d (align_corners=False) on one row-major h×w plane, in fp32 like its CPU kernel. */
    static float[] bicubic(float[] in, int h, int w, int outH, int outW) {
        float[] out = new float[outH * outW];
        float scaleH = (float) h / outH, scaleW = (float) w / outW;
        float[] rowValues = new float[4];
        for (int oy = 0; oy < outH; oy++) {
            float sy = scaleH * (oy + 0.5f) - 0.5f;
            int iy = (int) Math.floor(sy);
            float[] cy = coefficients(sy - iy);
            for (int ox = 0; ox < outW; ox++) {
                float sx = scaleW * (ox + 0.5f) - 0.5f;
                int ix = (int) Math.floor(sx);
                float[] cx = coefficients(sx - ix);
                for (int k = 0; k < 4; k++) {
                    int yy = clamp(iy - 1 + k, h);
                    float v = 0;
                    for (int j = 0; j < 4; j++) v += in[yy * w + clamp(ix - 1 + j, w)] * cx[j];
                    rowValues[k] = v;
                }
                float v = 0;
                for (int k = 0; k < 4; k++) v += rowValues[k] * cy[k];
                out[oy * outW + ox] = v;
            }
        }
        return out;
    }

    private static int clamp(int i, int n) {
        return Math.max(0, Math.min(n - 1, i));
    }

    private static float[] coefficients(float t) {
        float x1 = t, x2 = 1 - t;
        return new float[] {cubic2(x1 + 1), cubic1(x1), cubic1(x2), cubic2(x2 + 1)};
    }

    private static float cubic1(float x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    private static float cubic2(float x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }
}
