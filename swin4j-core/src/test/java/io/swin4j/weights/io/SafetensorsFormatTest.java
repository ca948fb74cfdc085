package io.swin4j.weights.io;

import io.swin4j.tensor.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The safetensors format as its specification states it: u64 little-endian header size N, N bytes of JSON
 * {name: {dtype, shape, data_offsets: [begin, end)}}, offsets relative to the byte after the header, covering the data
 * section with neither gap nor overlap. Files are built byte by byte here, so every value is known by construction.
 */
class SafetensorsFormatTest {

    @TempDir
    Path tmp;

    private Path file(String name, String header, byte[] data) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        out.writeBytes(data);
        return Files.write(tmp.resolve(name), out.toByteArray());
    }

    private static byte[] le(int bytes, java.util.function.Consumer<ByteBuffer> fill) {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(b);
        return b.array();
    }

    @Test
    void readsEveryDtypeInHeaderOrderWhateverTheDataOrder() throws Exception {
        // data section: [i16 x2][f64 x1][u8 x2][bool x2][i8 x1][i32 x1][i64 x1][f16 x1][bf16 x1][f32 x1]
        byte[] data = le(2 * 2 + 8 + 2 + 2 + 1 + 4 + 8 + 2 + 2 + 4, b -> b.putShort((short) -2).putShort((short) 300)
                .putDouble(0.25).put((byte) 255).put((byte) 7).put((byte) 1).put((byte) 0).put((byte) -128)
                .putInt(-70000).putLong(1L << 33).putShort((short) 0xc000).putShort((short) 0x3f80).putFloat(-1.5f));
        String header = "{\"f64\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[4,12]},"
                + "\"i16\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[1,2],\"data_offsets\":[12,14]},"
                + "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[14,16]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[16,17]},"
                + "\"i32\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[17,21]},"
                + "\"i64\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[21,29]},"
                + "\"f16\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[29,31]},"
                + "\"bf16\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[31,33]},"
                + "\"f32\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[33,37]},"
                + "\"__metadata__\":{\"format\":\"pt\",\"n\":\"3\"}}";
        Safetensors.Contents c = Safetensors.read(file("all.safetensors", header, data));
        assertThat(c.tensors().keySet()).containsExactly("f64", "i16", "u8", "bool", "i8", "i32", "i64", "f16", "bf16", "f32");
        assertThat(c.metadata()).containsExactly(Map.entry("format", "pt"), Map.entry("n", "3"));
        assertThat(c.tensors().get("f64").data()).containsExactly(0.25f);
        assertThat(c.tensors().get("f64").shape()).isEmpty();
        assertThat(c.tensors().get("i16").data()).containsExactly(-2f, 300f);
        assertThat(c.tensors().get("u8").data()).containsExactly(255f, 7f);
        assertThat(c.tensors().get("u8").shape()).containsExactly(1, 2);
        assertThat(c.tensors().get("bool").data()).containsExactly(1f, 0f);
        assertThat(c.tensors().get("i8").data()).containsExactly(-128f);
        assertThat(c.tensors().get("i32").data()).containsExactly(-70000f);
        assertThat(c.tensors().get("i64").data()).containsExactly(8589934592f);
        assertThat(c.tensors().get("f16").data()).containsExactly(-2f);
        assertThat(c.tensors().get("bf16").data()).containsExactly(1f);
        assertThat(c.tensors().get("f32").data()).containsExactly(-1.5f);
        assertThat(c.tensors().get("i32").sourceDType()).isEqualTo("I32");
    }

    @Test
    void malformedHeadersAreRefusedSayingWhat() throws Exception {
        byte[] four = new byte[4];
        String ok = "\"dtype\":\"F32\",\"shape\":[1]";
        assertThatThrownBy(() -> Safetensors.read(Files.write(tmp.resolve("short.safetensors"), new byte[7])))
                .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("short.safetensors")
                .hasMessageContaining("too short for a safetensors header");
        assertThatThrownBy(() -> Safetensors.read(Files.write(tmp.resolve("eight.safetensors"), new byte[8])))
                .hasMessageContaining("header length 0 is invalid for a file of 8 bytes");
        byte[] huge = le(16, b -> b.putLong((100L << 20) + 1).putLong(0));
        assertThatThrownBy(() -> Safetensors.read(Files.write(tmp.resolve("huge.safetensors"), huge)))
                .hasMessageContaining("header length " + ((100L << 20) + 1) + " is invalid");
        assertThatThrownBy(() -> Safetensors.read(file("list.safetensors", "[]", four)))
                .hasMessageContaining("header is not a JSON object");
        assertThatThrownBy(() -> Safetensors.read(file("dup.safetensors", "{\"a\":{" + ok + ",\"data_offsets\":[0,4]},"
                + "\"a\":{" + ok + ",\"data_offsets\":[0,4]}}", four))).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Safetensors.read(file("meta.safetensors", "{\"__metadata__\":[1]}", four)))
                .hasMessageContaining("__metadata__ is not an object");
        assertThatThrownBy(() -> Safetensors.read(file("f8.safetensors", "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],"
                + "\"data_offsets\":[0,4]}}", four))).hasMessageContaining("tensor a has unsupported dtype 'F8_E4M3'");
        assertThatThrownBy(() -> Safetensors.read(file("noshape.safetensors", "{\"a\":{\"dtype\":\"F32\","
                + "\"data_offsets\":[0,4]}}", four))).hasMessageContaining("tensor a lacks shape or data_offsets");
        assertThatThrownBy(() -> Safetensors.read(file("nooffsets.safetensors", "{\"a\":{" + ok + "}}", four)))
                .hasMessageContaining("tensor a lacks shape or data_offsets");
        assertThatThrownBy(() -> Safetensors.read(file("threeoffsets.safetensors", "{\"a\":{" + ok
                + ",\"data_offsets\":[0,2,4]}}", four))).hasMessageContaining("tensor a lacks shape or data_offsets");
        assertThatThrownBy(() -> Safetensors.read(file("negshape.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],"
                + "\"data_offsets\":[0,4]}}", four))).hasMessageContaining("tensor a has an invalid shape");
        assertThatThrownBy(() -> Safetensors.read(file("reversed.safetensors", "{\"a\":{" + ok + ",\"data_offsets\":[4,0]}}",
                four))).hasMessageContaining("data_offsets [4, 0] fall outside the 4-byte data section");
        assertThatThrownBy(() -> Safetensors.read(file("negative.safetensors", "{\"a\":{" + ok + ",\"data_offsets\":[-4,0]}}",
                four))).hasMessageContaining("fall outside");
        assertThatThrownBy(() -> Safetensors.read(file("span.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[0,4]}}", four))).hasMessageContaining("tensor a of shape [2] F32 needs 8 bytes, its offsets span 4");
        assertThatThrownBy(() -> Safetensors.read(file("span2.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[4,8]}}", new byte[8]))).hasMessageContaining("needs 8 bytes, its offsets span 4");
        // a header that ends exactly at the end of the file: no tensors, no data
        Safetensors.Contents none = Safetensors.read(file("bare.safetensors", "{}", new byte[0]));
        assertThat(none.tensors()).isEmpty();
        assertThat(none.metadata()).isEmpty();
    }

    @Test
    void offsetsMustTileTheDataSection() throws Exception {
        byte[] eight = new byte[8];
        String f32 = "\"dtype\":\"F32\",\"shape\":[1]";
        assertThatThrownBy(() -> Safetensors.read(file("gap.safetensors", "{\"a\":{" + f32 + ",\"data_offsets\":[4,8]}}", eight)))
                .hasMessageContaining("tensor a data_offsets start at 4, leaving a gap (expected 0)");
        assertThatThrownBy(() -> Safetensors.read(file("overlap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[0,8]},\"b\":{" + f32 + ",\"data_offsets\":[4,8]}}", eight)))
                .hasMessageContaining("tensor b data_offsets start at 4, overlapping the previous tensor (expected 8)");
        // exactly tiled, given out of order: fine
        byte[] data = le(8, b -> b.putFloat(1f).putFloat(2f));
        Safetensors.Contents c = Safetensors.read(file("tiled.safetensors", "{\"b\":{" + f32 + ",\"data_offsets\":[4,8]},"
                + "\"a\":{" + f32 + ",\"data_offsets\":[0,4]}}", data));
        assertThat(c.tensors().get("a").data()).containsExactly(1f);
        assertThat(c.tensors().get("b").data()).containsExactly(2f);
        // an empty tensor sits anywhere its zero-length span starts at the cursor
        Safetensors.Contents e = Safetensors.read(file("empty.safetensors", "{\"z\":{\"dtype\":\"F32\",\"shape\":[0,3],"
                + "\"data_offsets\":[0,0]},\"a\":{" + f32 + ",\"data_offsets\":[0,4]}}", le(4, b -> b.putFloat(5f))));
        assertThat(e.tensors().get("z").data()).isEmpty();
        assertThat(e.tensors().get("a").data()).containsExactly(5f);
    }

    @Test
    void writerAlignsTheHeaderTo8BytesWithSpacesAndPacksTheData() throws Exception {
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        tensors.put("w", HostTensor.of(new float[] {1, -2, 0.5f}, 3));
        tensors.put("b", HostTensor.of(new float[] {65504f, 1f / 3}, 2, 1));
        for (String dtype : new String[] {"f32", "F16", "bf16"}) {
            Path f = tmp.resolve(dtype + ".safetensors");
            Safetensors.write(f, tensors, null, dtype);
            byte[] bytes = Files.readAllBytes(f);
            long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            int width = dtype.equalsIgnoreCase("f32") ? 4 : 2;
            assertThat(n % 8).as("header size multiple of 8").isZero();
            assertThat(bytes.length).isEqualTo(8 + n + 5L * width);
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            assertThat(header.strip()).startsWith("{").endsWith("}").doesNotContain("__metadata__");
            assertThat(header.substring(header.strip().length())).matches(" *");
            assertThat(n - header.strip().length()).as("padding shorter than 8").isBetween(0L, 7L);
            assertThat(header).contains("\"w\":{\"dtype\":\"" + dtype.toUpperCase() + "\",\"shape\":[3],\"data_offsets\":[0,"
                    + 3 * width + "]}");
            assertThat(header).contains("\"b\":{\"dtype\":\"" + dtype.toUpperCase() + "\",\"shape\":[2,1],\"data_offsets\":["
                    + 3 * width + "," + 5 * width + "]}");
            ByteBuffer data = ByteBuffer.wrap(bytes, (int) (8 + n), 5 * width).slice().order(ByteOrder.LITTLE_ENDIAN);
            if (width == 4) {
                assertThat(data.getFloat(0)).isEqualTo(1f);
                assertThat(data.getFloat(16)).isEqualTo(1f / 3);
            } else if (dtype.equals("F16")) {
                // binary16: 1 = 0x3c00, -2 = 0xc000, 0.5 = 0x3800, 65504 = 0x7bff, 1/3 -> 0x3555
                assertThat(new int[] {data.getShort(0) & 0xffff, data.getShort(2) & 0xffff, data.getShort(4) & 0xffff,
                        data.getShort(6) & 0xffff, data.getShort(8) & 0xffff}).containsExactly(0x3c00, 0xc000, 0x3800, 0x7bff, 0x3555);
            } else {
                // bfloat16 = upper half of binary32, rounded: 1 = 0x3f80, -2 = 0xc000, 0.5 = 0x3f00, 65504 -> 0x4780, 1/3 -> 0x3eab
                assertThat(new int[] {data.getShort(0) & 0xffff, data.getShort(2) & 0xffff, data.getShort(4) & 0xffff,
                        data.getShort(6) & 0xffff, data.getShort(8) & 0xffff}).containsExactly(0x3f80, 0xc000, 0x3f00, 0x4780, 0x3eab);
            }
        }
        Safetensors.write(tmp.resolve("meta.safetensors"), tensors, Map.of(), "F32");
        assertThat(Safetensors.read(tmp.resolve("meta.safetensors")).metadata()).isEmpty();
    }

    @Test
    void writerStreamsTensorsLargerThanItsBuffer() throws Exception {
        float[] big = new float[70_001]; // > 64 KiB of F32, and an odd count of F16 values
        for (int i = 0; i < big.length; i++) big[i] = i % 2048;
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        tensors.put("big", HostTensor.of(big, big.length));
        tensors.put("tail", HostTensor.of(new float[] {-7f}, 1));
        for (String dtype : new String[] {"F32", "F16"}) {
            Path f = tmp.resolve("big" + dtype + ".safetensors");
            Safetensors.write(f, tensors, Map.of("k", "v"), dtype);
            Safetensors.Contents c = Safetensors.read(f);
            assertThat(c.tensors().get("big").data()).as(dtype).containsExactly(big); // integers < 2048 are exact in F16
            assertThat(c.tensors().get("tail").data()).containsExactly(-7f);
            assertThat(c.metadata()).containsExactly(Map.entry("k", "v"));
        }
    }

    @Test
    void writerRefusesDtypesItCannotStore() {
        Map<String, HostTensor> t = Map.of("a", HostTensor.of(new float[] {1}, 1));
        for (String dtype : new String[] {"F64", "I8", "float8"}) {
            assertThatThrownBy(() -> Safetensors.write(tmp.resolve("x.safetensors"), t, null, dtype))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("unsupported dtype '" + dtype + "' for writing (F32, F16 or BF16)");
        }
        assertThat(tmp.resolve("x.safetensors")).doesNotExist();
    }
}
