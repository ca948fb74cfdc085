package io.swin4j.weights.io;

import net.razorvine.pickle.PickleException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unpickler's own checks, on pickles written opcode by opcode from the pickle protocol (pickletools): the opcode
 * budget at and one past its limit, the decimal INT/LONG line cap (Python's 4300 digits, plus a sign and LONG's
 * trailing 'L'), length prefixes that end exactly at the end of the input, and Python's hashability of set elements
 * and dict keys.
 */
class RestrictedUnpicklerLimitsTest {

    private static final int MARK = '(', STOP = '.', BININT1 = 'K', EMPTY_LIST = ']', EMPTY_DICT = '}', SETITEM = 's';
    private static final int EMPTY_SET = 0x8f, ADDITEMS = 0x90, FROZENSET = 0x91, SHORT_BINUNICODE = 0x8c;
    private static final int BINUNICODE = 'X', INT = 'I', LONG = 'L';

    private static Object load(long maxOps, byte[] pickle) throws Exception {
        return new RestrictedUnpickler(id -> id, args -> args, false, maxOps).loads(pickle);
    }

    private static Object load(byte[] pickle) throws Exception {
        return load(1_000_000, pickle);
    }

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof Integer b) out.write(b);
            else out.writeBytes(((String) p).getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    @Test
    void opcodeBudgetAllowsExactlyItsLimit() throws Exception {
        byte[] pickle = bytes(BININT1, 7, STOP); // two opcodes: BININT1, STOP
        assertEquals(7, load(2, pickle));
        PickleException e = assertThrows(PickleException.class, () -> load(1, pickle));
        assertEquals("refused pickle: more than 1 opcodes (CheckpointLimits.maxPickleOps)", e.getMessage());
    }

    @Test
    void decimalLinesUpToPythonsDigitLimitAreParsed() throws Exception {
        String digits = "9".repeat(RestrictedUnpickler.MAX_DIGITS);
        // LONG's line at the cap: sign, 4300 digits, 'L' (4302 characters)
        assertEquals(new BigInteger("-" + digits), load(bytes(LONG, "-" + digits + "L\n", STOP)));
        assertEquals(42, load(bytes(INT, "42\n", STOP))); // Pyrolite's INT only takes what fits a long
    }

    @Test
    void aDecimalLineOverTheCapIsRefusedBeforeParsing() {
        String digits = "9".repeat(RestrictedUnpickler.MAX_DIGITS + 1);
        PickleException e = assertThrows(PickleException.class, () -> load(bytes(LONG, "-" + digits + "L\n", STOP)));
        assertEquals("refused pickle opcode " + LONG + ": a decimal integer over 4300 digits", e.getMessage());
        String longer = "1".repeat(RestrictedUnpickler.MAX_DIGITS + 3);
        PickleException i = assertThrows(PickleException.class, () -> load(bytes(INT, longer + "\n", STOP)));
        assertEquals("refused pickle opcode " + INT + ": a decimal integer over 4300 digits", i.getMessage());
    }

    @Test
    void anIntBeyond64BitsIsARefusedPickleNotALibraryException() throws Exception {
        // Python reads INT's line as an arbitrary integer; Pyrolite as a long: 2^63 (19 digits) is one past it
        PickleException e = assertThrows(PickleException.class, () -> load(bytes(INT, "9223372036854775808\n", STOP)));
        assertTrue(e.getMessage().startsWith("refused pickle: INT opcode with a number beyond 64 bits"), e.getMessage());
        assertEquals(Long.MAX_VALUE, ((Number) load(bytes(INT, "9223372036854775807\n", STOP))).longValue());
    }

    @Test
    void anUnterminatedLineShorterThanTheCapIsATruncationNotADigitRefusal() {
        // 4302 characters and the end of the input: within the cap, so the line check lets it through to the reader
        byte[] pickle = bytes(INT, "1".repeat(RestrictedUnpickler.MAX_DIGITS + 2));
        Exception e = assertThrows(Exception.class, () -> load(pickle));
        assertFalse(String.valueOf(e.getMessage()).contains("over 4300 digits"), e.toString());
    }

    @Test
    void aStringEndingExactlyAtTheEndOfTheInputPassesTheLengthCheck() {
        // the 3 declared bytes are exactly the 3 left: not a length refusal (the missing STOP fails later)
        Exception e = assertThrows(Exception.class, () -> load(bytes(SHORT_BINUNICODE, 3, "abc")));
        assertFalse(String.valueOf(e.getMessage()).contains("declaring"), e.toString());
        PickleException over = assertThrows(PickleException.class, () -> load(bytes(SHORT_BINUNICODE, 4, "abc")));
        assertEquals("refused pickle opcode " + SHORT_BINUNICODE + " declaring 4 bytes with 3 left in the pickle",
                over.getMessage());
    }

    @Test
    void aLengthPrefixCutOffIsTruncation() {
        PickleException e = assertThrows(PickleException.class, () -> load(bytes(BINUNICODE, 1, 0)));
        assertEquals("truncated pickle: length of opcode " + BINUNICODE + " cut off", e.getMessage());
    }

    @Test
    void setsAreBuiltFromHashableElements() throws Exception {
        assertEquals(Set.of(1, 2), load(bytes(0x80, 4, EMPTY_SET, MARK, BININT1, 1, BININT1, 2, ADDITEMS, STOP)));
        assertEquals(Set.of(3, 4), load(bytes(0x80, 4, MARK, BININT1, 3, BININT1, 4, FROZENSET, STOP)));
    }

    @Test
    void unhashableSetElementsAndDictKeysAreRefusedAsInPython() {
        PickleException add = assertThrows(PickleException.class,
                () -> load(bytes(0x80, 4, EMPTY_SET, MARK, EMPTY_LIST, ADDITEMS, STOP)));
        assertEquals("unhashable ArrayList used as a dict key or set element", add.getMessage());
        PickleException frozen = assertThrows(PickleException.class,
                () -> load(bytes(0x80, 4, MARK, EMPTY_DICT, FROZENSET, STOP)));
        assertEquals("unhashable LinkedHashMap used as a dict key or set element", frozen.getMessage());
        PickleException key = assertThrows(PickleException.class,
                () -> load(bytes(EMPTY_DICT, EMPTY_DICT, BININT1, 1, SETITEM, STOP)));
        assertEquals("unhashable LinkedHashMap used as a dict key or set element", key.getMessage());
    }

    @Test
    void addItemsOnANonSetIsRefused() {
        PickleException e = assertThrows(PickleException.class,
                () -> load(bytes(0x80, 4, EMPTY_LIST, MARK, BININT1, 1, ADDITEMS, STOP)));
        assertEquals("ADDITEMS on ArrayList", e.getMessage());
    }
}
