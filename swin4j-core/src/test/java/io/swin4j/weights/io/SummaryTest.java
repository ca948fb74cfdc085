package io.swin4j.weights.io;

import io.swin4j.tensor.HostTensor;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The rendering rules of {@link Summary} written out: each kind of value, the element cap (8), the depth cap (4), cycles,
 * and the character cap (a result longer than the cap keeps its first cap - 3 characters and ends in "...").
 */
class SummaryTest {

    @Test
    void scalarsAndLeaves() {
        assertEquals("null", Summary.of(null));
        assertEquals("<collections.OrderedDict>", Summary.of(new RestrictedUnpickler.Opaque("collections.OrderedDict")));
        assertEquals("tensor[2, 3]", Summary.of(HostTensor.of(new float[6], 2, 3)));
        assertEquals("bytes(5)", Summary.of(new byte[5]));
        assertEquals("abc", Summary.of("abc"));
        assertEquals("42", Summary.of(42L));
        assertEquals("1.5", Summary.of(1.5));
        assertEquals("true", Summary.of(Boolean.TRUE));
        assertEquals("x", Summary.of('x'));
        assertEquals("<Object>", Summary.of(new Object()));
    }

    @Test
    void containersListTheirElements() {
        assertEquals("[1, a, null]", Summary.of(new Object[]{1, "a", null}));
        assertEquals("[1, 2]", Summary.of(List.of(1, 2)));
        assertEquals("[]", Summary.of(List.of()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", 1);
        m.put("b", List.of(2));
        assertEquals("{a: 1, b: [2]}", Summary.of(m));
        assertEquals("k: 2", Summary.of(Map.entry("k", 2)));
    }

    @Test
    void atMostEightElementsThenACountOfTheRest() {
        List<Integer> eight = IntStream.range(0, 8).boxed().toList();
        assertEquals("[0, 1, 2, 3, 4, 5, 6, 7]", Summary.of(eight));
        List<Integer> ten = IntStream.range(0, 10).boxed().toList();
        assertEquals("[0, 1, 2, 3, 4, 5, 6, 7, ... " + (10 - 8) + " more]", Summary.of(ten));
    }

    @Test
    void nestingBelowFourLevelsIsElided() {
        Object v = List.of(1);
        for (int i = 0; i < 4; i++) v = List.of(v); // five lists deep
        // levels 0..3 are opened, the list at depth 4 is shown as "[...]"
        assertEquals("[[[[[...]]]]]", Summary.of(v));
        Object four = List.of(List.of(List.of(List.of(7))));
        assertEquals("[[[[7]]]]", Summary.of(four));
    }

    @Test
    void aCycleIsMarkedButASharedValueIsShownTwice() {
        List<Object> self = new ArrayList<>();
        self.add(1);
        self.add(self);
        assertEquals("[1, <cycle>]", Summary.of(self));
        List<Integer> shared = List.of(1);
        assertEquals("[[1], [1]]", Summary.of(List.of(shared, shared)));
    }

    @Test
    void bigIntegersOver256BitsAreShownByTheirSize() {
        BigInteger twoTo256 = BigInteger.ONE.shiftLeft(256); // 257 bits
        assertEquals("int(257 bits)", Summary.of(twoTo256));
        BigInteger max256 = twoTo256.subtract(BigInteger.ONE); // 256 bits: 78 decimal digits, under the cap
        assertEquals(max256.toString(), Summary.of(max256));
    }

    @Test
    void outputLongerThanTheCapIsCutWithAnEllipsis() {
        String exactly80 = "a".repeat(80);
        assertEquals(exactly80, Summary.of(exactly80));
        assertEquals("a".repeat(77) + "...", Summary.of("a".repeat(81)));
        assertEquals("a".repeat(77) + "...", Summary.of("a".repeat(1000)));
        // a container: "[" + 50 a + ", " + the first 24 b fill the 77 characters kept
        assertEquals("[" + "a".repeat(50) + ", " + "b".repeat(24) + "...",
                Summary.of(List.of("a".repeat(50), "b".repeat(50))));
        // a number longer than the cap
        String digits = BigInteger.ONE.shiftLeft(200).toString();
        assertEquals(digits.substring(0, 17) + "...", Summary.of(BigInteger.ONE.shiftLeft(200), 20));
        assertEquals("12345", Summary.of(12345, 5));
        assertEquals("12...", Summary.of(123456, 5));
    }

    @Test
    void aLongListStopsOnceTheCapIsReached() {
        List<String> many = IntStream.range(0, 8).mapToObj(i -> "x".repeat(30)).collect(Collectors.toList());
        // "[" + 30 x + ", " + 30 x + ", " (65 characters) + 12 x = the 77 characters kept
        assertEquals("[" + "x".repeat(30) + ", " + "x".repeat(30) + ", " + "x".repeat(77 - 65) + "...", Summary.of(many));
    }
}
