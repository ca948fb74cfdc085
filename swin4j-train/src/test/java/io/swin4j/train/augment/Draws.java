package io.swin4j.train.augment;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeds for SplittableRandoms whose first draw is a chosen value, to test the strictness of probability gates
 * ({@code random() > p}) at the draw itself. The JDK's SplittableRandom(seed) returns mix64(seed + GOLDEN_GAMMA) as
 * its first nextLong and (nextLong >>> 11) * 2^-53 as nextDouble; mix64 is a bijection, inverted here. Every seed
 * is checked against a real SplittableRandom, so a JDK with another algorithm fails loudly instead of testing nothing.
 */
final class Draws {

    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private Draws() {}

    /** A seed whose first nextDouble() is exactly {@code d} (d a multiple of 2^-53 in [0, 1)). */
    static long seedWithFirstDouble(double d) {
        long bits = (long) (d * 0x1.0p53) << 11;
        long seed = unmix64(bits) - GOLDEN_GAMMA;
        assertThat(new SplittableRandom(seed).nextDouble()).as("first draw of the crafted seed").isEqualTo(d);
        return seed;
    }

    private static long unmix64(long z) {
        z = unxorshift(z, 31);
        z *= inverse(0x94d049bb133111ebL);
        z = unxorshift(z, 27);
        z *= inverse(0xbf58476d1ce4e5b9L);
        return unxorshift(z, 30);
    }

    private static long unxorshift(long y, int s) {
        long z = y;
        for (int i = s; i < 64; i += s) z = y ^ (z >>> s);
        return z;
    }

    private static long inverse(long a) {
        long x = a; // a·a ≡ 1 (mod 8) for odd a; each Newton step doubles the correct bits
        for (int i = 0; i < 6; i++) x *= 2 - a * x;
        return x;
    }
}
