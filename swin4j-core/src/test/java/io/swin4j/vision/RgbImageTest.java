package io.swin4j.vision;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RgbImageTest {

    @Test
    void pngRoundTripsThroughTheDecoderExactly() throws Exception {
        byte[] rgb = new byte[5 * 3 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 37 + 11);
        RgbImage img = new RgbImage(5, 3, rgb);
        RgbImage back = new ImageDecoder().decode(img.toPng(), "round trip");
        assertThat(back.width()).isEqualTo(5);
        assertThat(back.height()).isEqualTo(3);
        assertThat(back.rgb()).containsExactly(rgb);
    }
}
