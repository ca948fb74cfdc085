package io.swin4j.io;

import io.swin4j.tensor.HostTensor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format 1.0–3.0) of float32/float64 in C order: the raw-tensor interface of
 * {@code swin forward} and of the parity fixtures. Written by hand: the format is a magic string, a
 * Python-dict header and the raw data, and no small, maintained Java library reads it.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    public static HostTensor read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes.length <= i || bytes[i] != MAGIC[i]) throw bad(file, "not a .npy file (bad magic)");
        }
        if (bytes.length < 10) throw bad(file, "truncated header");
        int major = bytes[6];
        int headerLen;
        int offset;
        if (major == 1) {
            headerLen = buf.getShort(8) & 0xffff;
            offset = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) throw bad(file, "truncated header");
            headerLen = buf.getInt(8);
            offset = 12;
        } else {
            throw bad(file, "unsupported .npy version " + major);
        }
        if (headerLen < 0 || offset + headerLen > bytes.length) throw bad(file, "header runs past the end of the file");
        String header = new String(bytes, offset, headerLen, StandardCharsets.ISO_8859_1);
        String descr = find(DESCR, header, file, "descr");
        if ("True".equals(find(FORTRAN, header, file, "fortran_order"))) {
            throw bad(file, "Fortran-order arrays are not supported; save with np.ascontiguousarray");
        }
        List<Long> dims = new ArrayList<>();
        for (String part : find(SHAPE, header, file, "shape").split(",")) {
            if (!part.isBlank()) {
                try {
                    dims.add(Long.parseLong(part.trim()));
                } catch (NumberFormatException e) {
                    throw bad(file, "bad shape entry '" + part.trim() + "'");
                }
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long n = HostTensor.numel(shape);
        int width = switch (descr) {
            case "<f4" -> 4;
            case "<f8" -> 8;
            default -> throw bad(file, "dtype " + descr + " is not supported (use little-endian float32 '<f4')");
        };
        int data = offset + headerLen;
        if ((long) bytes.length - data != n * width) {
            throw bad(file, "data has " + (bytes.length - data) + " bytes, shape " + dims + " of " + descr + " needs " + n * width);
        }
        float[] out = new float[(int) n];
        for (int i = 0; i < n; i++) {
            out[i] = width == 4 ? buf.getFloat(data + 4 * i) : (float) buf.getDouble(data + 8 * i);
        }
        return new HostTensor(shape, out, width == 4 ? "F32" : "F64");
    }

    /** Writes float32 C-order, atomically (a temporary file beside the target, then a rename). */
    public static void write(Path file, HostTensor t) throws IOException {
        StringBuilder shape = new StringBuilder("(");
        for (long d : t.shape()) shape.append(d).append(", ");
        if (t.rank() > 1) shape.setLength(shape.length() - 2);
        else if (t.rank() == 1) shape.setLength(shape.length() - 1);
        shape.append(")");
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        int total = MAGIC.length + 4 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer data = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(t.data());
        AtomicFiles.write(file, out -> {
            out.write(MAGIC);
            out.write(new byte[] {1, 0, (byte) (header.length() & 0xff), (byte) (header.length() >> 8)});
            out.write(header.getBytes(StandardCharsets.ISO_8859_1));
            out.write(data.array());
        });
    }

    private static String find(Pattern p, String header, Path file, String key) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) throw bad(file, "header has no " + key);
        return m.group(1);
    }

    private static IOException bad(Path file, String what) {
        return new IOException(file + ": " + what);
    }
}
