package io.swin4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.swin4j.weights.SwinWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a checkpoint's layout, inferred config, parameter count, dtypes and any problems.")
final class InspectCommand extends WeightsCommand {

    @Parameters(index = "0", paramLabel = "CKPT", description = ".pth/.bin (PyTorch zip) or .safetensors")
    Path checkpoint;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        // Inspect reports problems instead of failing on them.
        SwinWeights w = SwinWeights.load(weights.resolve(checkpoint, err()), weights.toLoadOptions().optStrict(false));
        var out = out();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(w.summary()));
        } else {
            out.print(w.describe());
        }
        out.flush();
        return w.report().isClean() ? 0 : 2;
    }
}
