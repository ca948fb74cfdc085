package io.swin4j.weights.io;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The element decoders and the fp32 → fp16/bf16 rounding against IEEE 754 itself: binary16 values from the
 * definition (−1)^s · 2^(e−15) · (1 + m/1024) (subnormal 2^−14 · m/1024), and round-to-nearest-even checked at
 * every midpoint between consecutive representable values, in double arithmetic.
 */
class DTypeConversionTest {

    /**
     * An IEEE 754 binary format by its definition, in double: a sign bit, {@code expBits} exponent bits (bias
     * 2^(expBits−1) − 1; all zeros: subnormal, all ones: infinity or NaN) and {@code manBits} mantissa bits.
     */
    private static double ieee(int bits, int expBits, int manBits) {
        int bias = (1 << (expBits - 1)) - 1, eMax = (1 << expBits) - 1;
        int s = bits >>> (expBits + manBits) & 1, e = bits >>> manBits & eMax, m = bits & ((1 << manBits) - 1);
        double sign = s == 1 ? -1 : 1, fraction = m / (double) (1 << manBits);
        if (e == 0) return sign * Math.scalb(fraction, 1 - bias);
        if (e == eMax) return m == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        return sign * Math.scalb(1 + fraction, e - bias);
    }

    /** binary16: 5 exponent bits, 10 mantissa bits. */
    private static double half(int bits) {
        return ieee(bits, 5, 10);
    }

    /** bfloat16: the upper 16 bits of a binary32 (8 exponent bits, 7 mantissa bits). */
    private static double bf16(int bits) {
        return ieee(bits, 8, 7);
    }

    @Test
    void everyHalfDecodesToItsValue() {
        for (int bits = 0; bits < 1 << 16; bits++) {
            float f = DType.halfToFloat((short) bits);
            double want = half(bits);
            if (Double.isNaN(want)) assertThat(f).as("0x%04x", bits).isNaN();
            else assertThat((double) f).as("0x%04x", bits).isEqualTo(want);
            if (!Double.isNaN(want)) {
                assertThat(Float.floatToRawIntBits(f) >>> 31).as("sign of 0x%04x", bits).isEqualTo(bits >>> 15);
            }
        }
    }

    @Test
    void halfRoundingIsNearestEvenAtEveryMidpoint() {
        for (int sign : new int[] {0, 0x8000}) {
            for (int h = 0; h < 0x7c00; h++) {
                double lo = half(h), hi = half(h + 1); // h + 1 = 0x7c00 is infinity: its "midpoint" is 65520
                double mid = h + 1 == 0x7c00 ? 65520 : (lo + hi) / 2;
                float exact = (float) lo, m = (float) mid;
                float s = sign == 0 ? 1 : -1;
                assertThat(DType.floatToHalf(s * exact) & 0xffff).as("exact 0x%04x", h).isEqualTo(sign | h);
                int even = (h & 1) == 0 ? h : h + 1;
                assertThat(DType.floatToHalf(s * m) & 0xffff).as("midpoint above 0x%04x", h).isEqualTo(sign | even);
                assertThat(DType.floatToHalf(s * Math.nextDown(m)) & 0xffff).as("just below midpoint above 0x%04x", h)
                        .isEqualTo(sign | h);
                assertThat(DType.floatToHalf(s * Math.nextUp(m)) & 0xffff).as("just above midpoint above 0x%04x", h)
                        .isEqualTo(sign | (h + 1));
            }
        }
    }

    @Test
    void halfOfInfinityIsInfinityAndNanStaysNan() {
        assertThat(DType.floatToHalf(Float.POSITIVE_INFINITY) & 0xffff).isEqualTo(0x7c00);
        assertThat(DType.floatToHalf(Float.NEGATIVE_INFINITY) & 0xffff).isEqualTo(0xfc00);
        assertThat(DType.floatToHalf(1e10f) & 0xffff).isEqualTo(0x7c00);
        assertThat(DType.floatToHalf(-Float.MAX_VALUE) & 0xffff).isEqualTo(0xfc00);
        for (float nan : new float[] {Float.NaN, Float.intBitsToFloat(0x7f800001), Float.intBitsToFloat(0xffc00000)}) {
            assertThat(Double.isNaN(half(DType.floatToHalf(nan) & 0xffff))).as("%08x", Float.floatToRawIntBits(nan)).isTrue();
        }
        assertThat(DType.floatToHalf(Float.MIN_VALUE) & 0xffff).as("far below the smallest subnormal").isEqualTo(0);
    }

    @Test
    void bf16RoundingIsNearestEvenAtEveryMidpoint() {
        for (int sign : new int[] {0, 0x8000}) {
            for (int b = 0; b < 0x7f80; b++) {
                double lo = bf16(b), hi = b + 1 == 0x7f80 ? Math.scalb(1.0, 128) : bf16(b + 1);
                float exact = (float) lo, m = (float) ((lo + hi) / 2);
                float s = sign == 0 ? 1 : -1;
                assertThat(DType.floatToBf16(s * exact) & 0xffff).as("exact 0x%04x", b).isEqualTo(sign | b);
                int even = (b & 1) == 0 ? b : b + 1;
                if (Float.isFinite(m)) {
                    assertThat(DType.floatToBf16(s * m) & 0xffff).as("midpoint above 0x%04x", b).isEqualTo(sign | even);
                    assertThat(DType.floatToBf16(s * Math.nextDown(m)) & 0xffff).isEqualTo(sign | b);
                    assertThat(DType.floatToBf16(s * Math.nextUp(m)) & 0xffff).isEqualTo(sign | (b + 1));
                }
            }
        }
        assertThat(DType.floatToBf16(Float.POSITIVE_INFINITY) & 0xffff).isEqualTo(0x7f80);
        assertThat(DType.floatToBf16(Float.MAX_VALUE) & 0xffff).as("rounds up to infinity").isEqualTo(0x7f80);
        for (float nan : new float[] {Float.NaN, Float.intBitsToFloat(0x7f800001), Float.intBitsToFloat(0xff800001)}) {
            // a NaN whose payload sits in the dropped bits must stay NaN, not become infinity
            assertThat(Double.isNaN(bf16(DType.floatToBf16(nan) & 0xffff))).as("%08x", Float.floatToRawIntBits(nan)).isTrue();
        }
    }

    @Test
    void everyDtypeReadsItsLittleEndianElement() {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.putDouble(0, -2.5).putDouble(8, 1e300);
        assertThat(DType.F64.get(b, 0)).isEqualTo(-2.5f);
        assertThat(DType.F64.get(b, 1)).isEqualTo(Float.POSITIVE_INFINITY);
        b.clear();
        b.putLong(0, -7L).putLong(8, 1L << 40);
        assertThat(DType.I64.get(b, 0)).isEqualTo(-7f);
        assertThat(DType.I64.get(b, 1)).isEqualTo(1099511627776f);
        b.putInt(0, -123456).putInt(4, 99);
        assertThat(DType.I32.get(b, 0)).isEqualTo(-123456f);
        assertThat(DType.I32.get(b, 1)).isEqualTo(99f);
        b.putShort(0, (short) -300).putShort(2, (short) 0x3c00);
        assertThat(DType.I16.get(b, 0)).isEqualTo(-300f);
        assertThat(DType.F16.get(b, 1)).isEqualTo(1f);
        b.putShort(2, (short) 0xc040); // bf16 -3.0
        assertThat(DType.BF16.get(b, 1)).isEqualTo(-3f);
        b.put(0, (byte) 200).put(1, (byte) 2).put(2, (byte) 0);
        assertThat(DType.U8.get(b, 0)).isEqualTo(200f);
        assertThat(DType.I8.get(b, 0)).isEqualTo(-56f);
        assertThat(DType.BOOL.get(b, 1)).isEqualTo(1f);
        assertThat(DType.BOOL.get(b, 2)).isEqualTo(0f);
        b.putFloat(4, 0.1f);
        assertThat(DType.F32.get(b, 1)).isEqualTo(0.1f);
        assertThat(new int[] {DType.F32.bytes, DType.F16.bytes, DType.BF16.bytes, DType.F64.bytes, DType.I64.bytes,
                DType.I32.bytes, DType.I16.bytes, DType.I8.bytes, DType.U8.bytes, DType.BOOL.bytes})
                .containsExactly(4, 2, 2, 8, 8, 4, 2, 1, 1, 1);
    }
}
