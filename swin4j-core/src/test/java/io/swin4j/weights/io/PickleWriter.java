package io.swin4j.weights.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Pickles written opcode by opcode (protocol 2, as {@code torch.save} writes them) and torch zips around them, for
 * the reader tests that need records the reference fixtures never contain. Opcodes are Python's
 * {@code pickletools} names; the values a test expects come from torch's rules, not from this writer.
 */
final class PickleWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A pickle that starts with PROTO 2. */
    PickleWriter() {
        out.write(0x80);
        out.write(2);
    }

    /** Opcodes given as their one-byte characters, e.g. {@code "}"} (EMPTY_DICT) or {@code "tR"}. */
    PickleWriter raw(String opcodes) {
        out.writeBytes(opcodes.getBytes(StandardCharsets.ISO_8859_1));
        return this;
    }

    /** GLOBAL module\nname\n. */
    PickleWriter global(String module, String name) {
        return raw("c" + module + "\n" + name + "\n");
    }

    /** BINUNICODE. */
    PickleWriter str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
        return this;
    }

    /** BININT. */
    PickleWriter integer(int v) {
        out.write('J');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        return this;
    }

    /** LONG1 with 8 bytes: any long, as pickle writes ints beyond 32 bits. */
    PickleWriter longInt(long v) {
        out.write(0x8a);
        out.write(8);
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        return this;
    }

    /** MARK, the longs (LONG1), then TUPLE. */
    PickleWriter longTuple(long... values) {
        raw("(");
        for (long v : values) longInt(v);
        return raw("t");
    }

    /** _rebuild_tensor_v2 of storage {@code key} (FloatStorage of {@code numel}) with 64-bit offset/size/stride. */
    PickleWriter tensor(String key, int numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").raw("(");
        storage('t', key, numel);
        longInt(offset).longTuple(size).longTuple(stride).raw("\u0089");
        global("collections", "OrderedDict").raw(")R");
        return raw("tR");
    }

    /** Raw bytes appended as they are. */
    PickleWriter bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    /** MARK, the ints, then TUPLE ('t') or LIST ('l'). */
    PickleWriter seq(char close, int... values) {
        raw("(");
        for (int v : values) integer(v);
        return raw(String.valueOf(close));
    }

    /** A tuple of ints. */
    PickleWriter tuple(int... values) {
        return seq('t', values);
    }

    /** BINPERSID of ('storage', torch.FloatStorage, key, 'cpu', numel), closed as a tuple or a list. */
    PickleWriter storage(char close, String key, int numel) {
        return raw("(").str("storage").global("torch", "FloatStorage").str(key).str("cpu").integer(numel)
                .raw(close + "Q");
    }

    /** _rebuild_tensor_v2 of storage {@code key} (FloatStorage of {@code numel}) at offset/size/stride. */
    PickleWriter tensor(String key, int numel, int offset, int[] size, int[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").raw("(");
        storage('t', key, numel);
        integer(offset).tuple(size).tuple(stride).raw("\u0089");
        global("collections", "OrderedDict").raw(")R");
        return raw("tR");
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** Little-endian float32 bytes, as a FloatStorage's data file. */
    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    /** A zip with these entries in this order. */
    static Path zip(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return file;
    }
}
