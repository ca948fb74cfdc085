package io.swin4j.cli;

import io.swin4j.model.Precision;
import picocli.CommandLine.Option;

/** {@code --precision fp32|bf16|int8}, shared by the commands that run a model. */
final class PrecisionOption {

    @Option(names = {"--precision", "--dtype"}, paramLabel = "fp32|bf16|int8",
            description = "Compute precision (default: the weights' own: int8 for a file `swin quantize` wrote, else "
                    + "fp32). int8 quantizes an fp32 model dynamically (FBGEMM, no calibration); bf16 is for CPUs "
                    + "with bf16 instructions (AVX-512 BF16, AMX), elsewhere it is slower than fp32.")
    String value;

    /** The precision asked for, or null for the weights' own. */
    Precision get() {
        return value == null ? null : Precision.parse(value);
    }

    /** The precision asked for (null: the weights' own), warning on stderr where it is slow on this CPU. */
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
