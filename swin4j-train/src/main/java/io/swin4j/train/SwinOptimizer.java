package io.swin4j.train;

import io.swin4j.model.Parameters;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * libtorch AdamW with the official parameter groups: weight decay on matrices only, none on 1-D parameters and on
 * those the model tree tags (position tables and embeddings, V2's bias MLP and logit scales: official
 * {@code optimizer.set_weight_decay} with each model's {@code no_weight_decay_keywords}). Betas (0.9, 0.999), eps 1e-8 as {@code config.py}.
 */
public final class SwinOptimizer implements AutoCloseable {

    private final AdamW adamW;
    private final TensorVector all;
    private final List<String> decayed = new ArrayList<>(), notDecayed = new ArrayList<>();

    public SwinOptimizer(Parameters parameters, double lr, double weightDecay) {
        this(parameters, parameters.asMap().keySet(), lr, weightDecay);
    }

    /**
     * Optimises only {@code trainable} (canonical names), e.g. the parameters left after freezing stages. Which of
     * them decay is the model tree's answer ({@link io.swin4j.model.Param#noWeightDecay()}).
     */
    public SwinOptimizer(Parameters parameters, Collection<String> trainable, double lr, double weightDecay) {
        this(select(parameters.asMap(), trainable), name -> parameters.declarations().get(name).noWeightDecay(), lr,
                weightDecay);
    }

    private static Map<String, Tensor> select(Map<String, Tensor> all, Collection<String> names) {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        for (String name : names) {
            Tensor t = all.get(name);
            if (t == null) throw new IllegalArgumentException("no parameter " + name);
            out.put(name, t);
        }
        return out;
    }

    /** Any named tensors, with the names {@code noWeightDecay} accepts in the group without decay. */
    public SwinOptimizer(Map<String, Tensor> tensors, java.util.function.Predicate<String> noWeightDecay, double lr,
                         double weightDecay) {
        TensorVector decay = new TensorVector(), noDecay = new TensorVector();
        all = new TensorVector();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            all.push_back(t);
            if (noWeightDecay.test(name)) {
                noDecay.push_back(t);
                notDecayed.add(name);
            } else {
                decay.push_back(t);
                decayed.add(name);
            }
        }
        adamW = new AdamW(decay, options(lr, weightDecay));
        adamW.add_param_group(new OptimizerParamGroup(noDecay, options(lr, 0.0)));
    }

    private static AdamWOptions options(double lr, double weightDecay) {
        AdamWOptions o = new AdamWOptions(lr);
        o.weight_decay().put(weightDecay);
        o.eps().put(1e-8);
        // Betas stay libtorch's defaults, (0.9, 0.999) as config.py. They are a std::tuple<double, double>, which
        // libstdc++ lays out last element first: writing them through the DoublePointer by index swaps them
        // (β1 0.999, β2 0.9), which trains far slower and which a test with one repeated batch cannot see.
        return o;
    }

    public List<String> decayedParameters() { return List.copyOf(decayed); }

    public List<String> undecayedParameters() { return List.copyOf(notDecayed); }

    public void setLr(double lr) {
        for (int i = 0; i < adamW.param_groups().size(); i++) adamW.param_groups().get(i).options().set_lr(lr);
    }

    public void zeroGrad() {
        adamW.zero_grad();
    }

    /** Scales all gradients so that their joint L2 norm is at most {@code maxNorm}; returns the norm before. */
    public double clipGradNorm(double maxNorm) {
        return torch.clip_grad_norm_(all, maxNorm);
    }

    public void step() {
        adamW.step();
    }

    /** Writes the optimizer state (moments, step counts, groups) in libtorch's archive format. */
    public void save(java.nio.file.Path file) {
        try (org.bytedeco.pytorch.OutputArchive archive = new org.bytedeco.pytorch.OutputArchive()) {
            adamW.save(archive);
            archive.save_to(file.toString());
        }
    }

    /** Restores what {@link #save} wrote; the optimizer must have been built over the same parameters. */
    public void load(java.nio.file.Path file) {
        try (org.bytedeco.pytorch.InputArchive archive = new org.bytedeco.pytorch.InputArchive()) {
            archive.load_from(file.toString());
            adamW.load(archive);
        }
    }

    @Override
    public void close() {
        adamW.close();
    }
}
