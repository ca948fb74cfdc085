package io.swin4j.cli;

import io.swin4j.weights.SwinWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a checkpoint of any supported layout to canonical (official-named) safetensors.")
final class ConvertCommand extends WeightsCommand {

    @Parameters(index = "0", paramLabel = "IN", description = "Checkpoint to read.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT.safetensors", description = "File to write.")
    Path out;

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
        w.saveSafetensors(out, dtype);
        var o = out();
        o.println("wrote " + out + ": " + w.config().name() + " (" + w.tensors().size() + " tensors, " + dtype
                + ", from " + w.layout() + " layout)");
        o.flush();
        return 0;
    }
}
