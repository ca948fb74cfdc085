package io.swin4j.infer;

import io.swin4j.engine.Tensors;
import io.swin4j.model.ForwardOptions;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.tensor.HostTensor;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;

/** The libtorch engine: the model's own forward (any precision), softmax in libtorch. */
final class LibtorchEngine implements InferenceEngine {

    private final SwinTransformer model;

    LibtorchEngine(SwinTransformer model) {
        this.model = model;
    }

    SwinTransformer model() { return model; }

    @Override
    public String name() { return InferenceEngines.LIBTORCH; }

    @Override
    public Outputs run(HostTensor images, Want want) {
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Tensors.fromHost(images);
            ForwardOptions options = want.stageFeatures() ? ForwardOptions.withStageFeatures() : ForwardOptions.DEFAULT;
            try (SwinOutput out = model.forward(x, options)) {
                if (want.probabilities() && out.logits() == null) {
                    throw new IllegalStateException("the model has no classifier head (0 classes): use embed");
                }
                HostTensor probs = want.probabilities() ? Tensors.toHost(out.logits().softmax(-1)) : null;
                HostTensor emb = want.embeddings() ? Tensors.toHost(out.embedding()) : null;
                List<HostTensor> stages = new ArrayList<>();
                for (Tensor t : out.stageFeatures()) stages.add(Tensors.toHost(t));
                return new Outputs(probs, emb, stages);
            }
        }
    }

    @Override
    public boolean hasAttentionMaps() { return model.hasAttentionMaps(); }

    @Override
    public String precisionLabel() { return model.precisionLabel(); }

    @Override
    public void close() { model.close(); }
}
