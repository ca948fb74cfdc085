package io.swin4j.cli;

import io.swin4j.weights.LoadOptions;
import picocli.CommandLine.Option;

/** How a command loads a checkpoint: shared by every command that takes one. */
final class WeightsOptions {

    @Option(names = "--arch", paramLabel = "PRESET",
            description = "Cross-check the checkpoint against a named architecture preset (e.g. swin_tiny_patch4_window7_224).")
    String arch;

    @Option(names = "--non-strict",
            description = "Load even with missing, unexpected or mis-shaped keys (they are reported; missing ones are initialised).")
    boolean nonStrict;

    @Option(names = "--lenient-pickle",
            description = "Read training checkpoints that also pickle config objects: such objects become inert "
                    + "placeholders (nothing is run or instantiated); tensors load as usual.")
    boolean lenientPickle;

    LoadOptions toLoadOptions() {
        return LoadOptions.defaults().optPreset(arch).optStrict(!nonStrict).optLenient(lenientPickle);
    }
}
