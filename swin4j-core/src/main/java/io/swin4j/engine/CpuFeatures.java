package io.swin4j.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the CPU can do, from {@code /proc/cpuinfo} (Linux; elsewhere nothing is known).
 *
 * <p>Why it matters: libtorch computes bf16 matrix products fast only through oneDNN, which needs AVX-512 (BF16)
 * or AMX. Without them (e.g. AMD Zen 3, Intel before Cooper Lake) a bf16 GEMM runs in a generic kernel, an order of
 * magnitude slower than fp32.
 */
public final class CpuFeatures {

    private static final Set<String> FLAGS = readFlags();

    private CpuFeatures() {}

    private static Set<String> readFlags() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("flags"))
                    .findFirst().map(l -> Arrays.stream(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))
                            .collect(Collectors.toUnmodifiableSet())).orElse(Set.of());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    /** Whether the flags are known at all (Linux). */
    public static boolean known() { return !FLAGS.isEmpty(); }

    public static boolean has(String flag) { return FLAGS.contains(flag); }

    /** bf16 arithmetic in hardware that libtorch's oneDNN path uses: AVX-512 BF16 or AMX BF16. */
    public static boolean fastBf16() {
        return has("avx512_bf16") || has("amx_bf16");
    }

    /** A warning for bf16 on this CPU, or null when bf16 is fast here (or the CPU is unknown). */
    public static String bf16Warning() {
        if (!known() || fastBf16()) return null;
        return "this CPU has no bf16 instructions (avx512_bf16 / amx_bf16): libtorch runs bf16 matrix products in a "
                + "generic kernel, several times slower than fp32 here; use fp32";
    }
}
