package io.swin4j.weights.layout;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.SwinConfig;
import io.swin4j.tensor.HostTensor;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Swin-MLP (a grouped spatial MLP over each window instead of attention): the official code only. */
final class MlpAdapters implements AdapterFamily {

    static final MlpAdapters INSTANCE = new MlpAdapters();

    private static final SwinConfig.Family MLP = SwinConfig.Family.MLP;

    private MlpAdapters() {}

    private static final List<CheckpointAdapter> ADAPTERS = List.of(
            RuleAdapter.builder(MLP, Layout.OFFICIAL, "microsoft/Swin-Transformer swin_mlp: layers.i.blocks.j.spatial_mlp "
                            + "[heads·M², M², 1], merge at the end of stage i, head.*")
                    .matches(keys -> keys.contains("patch_embed.proj.weight")).renameBack(RuleAdapter.IDENTITY).build(),
            RuleAdapter.builder(MLP, Layout.CANONICAL, "swin4j canonical: official Swin-MLP names")
                    .renameBack(RuleAdapter.IDENTITY).build());

    @Override public SwinConfig.Family family() { return MLP; }

    @Override public String displayName() { return "Swin-MLP"; }

    @Override
    public int score(Collection<String> keys) {
        return keys.stream().anyMatch(k -> k.contains(".spatial_mlp.")) ? 2 : 0;
    }

    @Override public List<CheckpointAdapter> adapters() { return ADAPTERS; }

    private static final Pattern SPATIAL = Pattern.compile("layers\\.(\\d+)\\.blocks\\.(\\d+)\\.spatial_mlp\\.weight");

    /** Window M of each stage = sqrt(spatial_mlp.weight.shape[1]) (the effective one), heads = shape[0] / M². */
    @Override
    public SwinConfig infer(Map<String, long[]> shapes, SizeRule rule, LayoutHints hints, List<String> notes) {
        ConfigInference.Stem stem = ConfigInference.stem(shapes, SPATIAL);
        int stages = stem.depths().length;
        int[] heads = new int[stages], windows = new int[stages];
        for (int i = 0; i < stages; i++) {
            long[] w = stem.firstBlock().get(i);
            int m = (int) Math.round(Math.sqrt(w.length == 3 ? w[1] : -1));
            if (w.length != 3 || (long) m * m != w[1] || w[0] % w[1] != 0) {
                throw new IllegalArgumentException("layers." + i + " spatial_mlp.weight is " + Arrays.toString(w)
                        + ", not [heads*M^2, M^2, 1] for a window M");
            }
            windows[i] = m;
            heads[i] = (int) (w[0] / w[1]);
        }
        return ConfigInference.complete(stem, MLP, heads, windows, true, null, shapes, rule, notes);
    }

    /**
     * The spatial MLP's weights are [heads·M², M², 1]: they fix each stage's window, so a retarget that changes one is
     * refused; one that only changes the image size (the windows stay) resizes the absolute position embedding only.
     */
    @Override
    public Map<String, HostTensor> retarget(Map<String, HostTensor> canonical, SwinConfig from, SwinConfig target, List<String> notes) {
        for (int i = 0; i < target.numStages(); i++) {
            if (from.stageWindow(i) != target.stageWindow(i)) {
                throw new IllegalArgumentException("Swin-MLP weights cannot change window: stage " + i + "'s spatial MLP is "
                        + "trained for " + from.stageWindow(i) + "x" + from.stageWindow(i) + " windows (weight [heads*M^2, M^2, 1]), "
                        + "the new config needs " + target.stageWindow(i) + "x" + target.stageWindow(i));
            }
        }
        return Resampling.retarget(canonical, target, notes);
    }
}
