package io.swin4j.vision;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Measures the heap one decode needs (not a test): {@code DecodeMemory write DIR MP} writes images of about MP
 * megapixels (8-bit grey, RGB and RGBA PNGs, a baseline JPEG); {@code DecodeMemory FILE} decodes one and prints "ok" or
 * "OOM". Run the second under decreasing {@code -Xmx} to find the least heap a decode fits in; the difference between
 * two sizes over their difference in pixels is the heap per decoded pixel (the encoded bytes and the JVM's own are
 * what is left). tools-free: {@code java -Xmx300m -cp swin4j-core/target/test-classes:swin4j-core/target/classes
 * io.swin4j.vision.DecodeMemory /tmp/mem/rgb-36.png}.
 */
public final class DecodeMemory {

    private DecodeMemory() {}

    public static void main(String[] args) throws Exception {
        if (args[0].equals("write")) {
            Path dir = Files.createDirectories(Path.of(args[1]));
            int mp = Integer.parseInt(args[2]);
            int side = (int) Math.sqrt(mp * 1e6);
            HostileImages.Rows pattern = (y, row) -> {
                for (int i = 0; i < row.length; i++) row[i] = (byte) (i * 7 + y);
            };
            Files.write(dir.resolve("grey-" + mp + ".png"), HostileImages.png(side, side, 0, pattern));
            Files.write(dir.resolve("rgb-" + mp + ".png"), HostileImages.png(side, side, 2, pattern));
            Files.write(dir.resolve("rgba-" + mp + ".png"), HostileImages.png(side, side, 6, pattern));
            BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_3BYTE_BGR);
            for (int y = 0; y < side; y++) for (int x = 0; x < side; x++) img.setRGB(x, y, x * 7 + y);
            ImageIO.write(img, "jpeg", dir.resolve("rgb-" + mp + ".jpg").toFile());
            return;
        }
        byte[] bytes = Files.readAllBytes(Path.of(args[0]));
        try {
            RgbImage img = new ImageDecoder().decode(bytes, args[0]);
            System.out.println("ok " + img.width() + "x" + img.height() + " peakBytes estimate "
                    + (ImageDecoder.peakBytes(img.width(), img.height()) >> 20) + " MiB");
        } catch (ImageDecodeException e) {
            System.out.println(e.getCause() instanceof OutOfMemoryError ? "OOM" : "error " + e.getMessage());
        }
    }
}
