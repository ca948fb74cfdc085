package io.swin4j.cli;

import io.swin4j.weights.SwinWeights;
import io.swin4j.weights.layout.Layout;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a checkpoint of any supported layout to canonical (official-named) safetensors, or with --to "
                + "to another implementation's names (safetensors, no buffers).")
final class ConvertCommand extends WeightsCommand {

    @Parameters(index = "0", paramLabel = "IN", description = "Checkpoint to read.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT.safetensors", description = "File to write.")
    Path out;

    @Option(names = "--to", paramLabel = "SOURCE", defaultValue = "canonical", converter = TargetLayout.class,
            description = "Key names to write: canonical (default), official, timm, hf, torchvision or mmdet, where the "
                    + "checkpoint's family has that layout (V1: all; V2: official, timm, hf, torchvision; Swin-MLP: official); "
                    + "for a segmentation checkpoint seg_official (the official Swin segmentation repo, mmseg 0.x), mmseg "
                    + "(mmseg 1.x) or hf_upernet.")
    Layout to;

    @Option(names = "--window", paramLabel = "N",
            description = "Resize the relative-position-bias tables to window N (bicubic, as the official load_pretrained).")
    Integer window;

    @Option(names = "--img-size", paramLabel = "N", description = "Target input size (resizes absolute_pos_embed if present).")
    Integer imgSize;

    @Option(names = "--map-22k-to-1k", paramLabel = "FILE", arity = "0..1", fallbackValue = "",
            description = "Keep the 1000 ImageNet-1K rows of a 21841-class head; FILE has one 22K index per line "
                    + "(default: the official map22kto1k.txt, bundled).")
    String map22kTo1k;

    @Option(names = "--dtype", defaultValue = "F32", description = "Stored dtype: F32, F16 or BF16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Override
    public Integer call() throws Exception {
        SwinWeights w = SwinWeights.load(weights.resolve(in, err()), weights.toLoadOptions());
        if (map22kTo1k != null) w = w.withHead22kTo1k(map22kTo1k.isEmpty() ? null : Path.of(map22kTo1k));
        if (imgSize != null) w = w.withImgSize(imgSize);
        if (window != null) w = w.withWindowSize(window);
        List<String> notes = w.saveAs(out, to, dtype);
        var o = out();
        o.println("wrote " + out + ": " + w.config().name() + " (" + w.tensors().size() + " tensors, " + dtype
                + ", from " + w.layout() + " layout" + (to == Layout.CANONICAL ? "" : ", " + to + " names") + ")");
        notes.forEach(n -> o.println("  note: " + n));
        o.flush();
        return 0;
    }

    /** The layout a --to value names (case-insensitive; hf is HF transformers v4). */
    static final class TargetLayout implements CommandLine.ITypeConverter<Layout> {
        @Override
        public Layout convert(String name) {
            try {
                Layout l = Layout.valueOf(name.toUpperCase(Locale.ROOT));
                if (l != Layout.HF_V5) return l;
            } catch (IllegalArgumentException e) {
                // fall through to the message
            }
            throw new CommandLine.TypeConversionException("not a layout swin4j writes: '" + name
                    + "' (choose canonical, official, timm, hf, torchvision or mmdet)");
        }
    }
}
