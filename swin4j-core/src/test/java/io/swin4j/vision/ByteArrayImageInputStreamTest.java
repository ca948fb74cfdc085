package io.swin4j.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The javax.imageio.stream.ImageInputStream contract (and java.io.InputStream's for len 0) over bytes in memory. */
class ByteArrayImageInputStreamTest {

    @Test
    void isCachedInMemory() throws IOException {
        try (ByteArrayImageInputStream in = new ByteArrayImageInputStream(new byte[3])) {
            assertTrue(in.isCached());
            assertTrue(in.isCachedMemory());
            assertTrue(!in.isCachedFile());
            assertEquals(3, in.length());
        }
    }

    @Test
    void readsThenReportsTheEnd() throws IOException {
        try (ByteArrayImageInputStream in = new ByteArrayImageInputStream(new byte[] {1, (byte) 200, 3})) {
            assertEquals(1, in.read());
            byte[] b = new byte[4];
            assertEquals(2, in.read(b, 1, 3));
            assertArrayEquals(new byte[] {0, (byte) 200, 3, 0}, b);
            assertEquals(-1, in.read());
            assertEquals(-1, in.read(b, 0, 4));
            assertEquals(0, in.read(b, 0, 0)); // InputStream: a read of 0 bytes returns 0, also at the end
        }
    }

    @Test
    void readingAfterCloseFails() throws IOException {
        ByteArrayImageInputStream in = new ByteArrayImageInputStream(new byte[] {1, 2});
        in.close();
        assertThrows(IOException.class, in::read);
        assertThrows(IOException.class, () -> in.read(new byte[2], 0, 2));
    }
}
