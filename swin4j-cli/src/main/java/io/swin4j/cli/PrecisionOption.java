package io.swin4j.cli;

import io.swin4j.model.Precision;
import picocli.CommandLine.Option;

/** {@code --precision fp32|bf16}, shared by the commands that run a model. */
final class PrecisionOption {

    @Option(names = {"--precision", "--dtype"}, defaultValue = "fp32", paramLabel = "fp32|bf16",
            description = "Compute precision (default: ${DEFAULT-VALUE}); bf16 is for CPUs with bf16 instructions "
                    + "(AVX-512 BF16, AMX), elsewhere it is slower than fp32.")
    String value;

    Precision get() {
        return Precision.parse(value);
    }

    /** The precision, warning on stderr where it is slow on this CPU. */
    Precision get(java.io.PrintWriter err, String command) {
        Precision p = get();
        String warning = p == Precision.BF16 ? io.swin4j.engine.CpuFeatures.bf16Warning() : null;
        if (warning != null) {
            err.println("swin " + command + ": warning: " + warning);
            err.flush();
        }
        return p;
    }
}
