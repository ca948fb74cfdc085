package io.swin4j.model;

import io.swin4j.engine.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * The additive attention bias of a window-attention mixer: per-offset values (one row per relative offset, one column
 * per head) gathered by the relative position index into (heads, N, N), plus the block's shift mask. V1 reads the
 * values from its learnable table, V2 computes them with its continuous-position-bias MLP.
 *
 * <p>Training recomputes the bias (autograd needs the graph). Eval computes it once per plan and reuses it until one
 * of its source parameters changes: a write (an optimizer step, an in-place edit) bumps the tensor's version
 * counter, a cast changes its dtype. The key is the parameters' state, not the derived values, so a change anywhere
 * upstream of the table invalidates it.
 */
final class RelativePositionBias {

    private final int heads;
    private final IntFunction<Tensor> values;
    private final IntFunction<int[]> index;
    private final Param[] sources;
    /** The gather index per effective window side. */
    private final Map<Integer, Tensor> indexCache = new ConcurrentHashMap<>();
    private final Map<Long, Cached> biasCache = new ConcurrentHashMap<>();

    private static final class Cached {
        State state;
        Tensor bias;
    }

    /** The versions and dtype of the source parameters when a bias was computed. */
    private record State(List<Long> versions, torch.ScalarType dtype) {}

    /**
     * @param values  for a window side w, the (rows, heads) per-offset values (recomputed on every call)
     * @param index   for a window side w, the row-major (w², w²) index into {@code values.apply(w)}'s rows
     * @param sources the parameters the values derive from
     */
    RelativePositionBias(int heads, IntFunction<Tensor> values, IntFunction<int[]> index, Param... sources) {
        this.heads = heads;
        this.values = values;
        this.index = index;
        this.sources = sources.clone();
    }

    /** The (heads, N, N) relative position bias of a window of side {@code window}. */
    Tensor relative(int window) {
        Tensor idx = indexCache.computeIfAbsent(window, w -> Tensors.keep(Tensors.fromInts(index.apply(w),
                (long) w * w * w * w)));
        long n = (long) window * window;
        return values.apply(window).index_select(0, idx).view(n, n, heads).permute(2, 0, 1);
    }

    /** Relative bias plus the SW-MSA mask, as (nW, heads, N, N), or (1, heads, N, N) without a mask. */
    private Tensor additive(BlockPlan plan) {
        Tensor bias = relative(plan.plan.windowH()).unsqueeze(0);
        // contiguous: an elementwise result follows its inputs' (permuted) layout otherwise.
        return (plan.mask == null ? bias : bias.add(plan.mask.unsqueeze(1).to(bias.scalar_type()))).contiguous();
    }

    private State state() {
        Long[] versions = new Long[sources.length];
        for (int i = 0; i < sources.length; i++) versions[i] = sources[i].tensor().__dispatch__version();
        return new State(Arrays.asList(versions), sources[0].tensor().scalar_type().intern());
    }

    /** What is added to the attention logits of {@code plan}'s windows. */
    Tensor get(BlockPlan plan, boolean training) {
        if (training) return additive(plan);
        Cached cached = biasCache.computeIfAbsent(plan.key, k -> new Cached());
        synchronized (cached) {
            State state = state();
            if (cached.bias == null || !state.equals(cached.state)) {
                if (cached.bias != null) cached.bias.close();
                cached.bias = Tensors.keep(additive(plan));
                cached.state = state;
            }
            return cached.bias;
        }
    }

    void release() {
        indexCache.values().forEach(Tensor::close);
        indexCache.clear();
        biasCache.values().forEach(c -> {
            if (c.bias != null) c.bias.close();
        });
        biasCache.clear();
    }
}
