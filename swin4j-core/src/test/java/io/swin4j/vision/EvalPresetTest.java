package io.swin4j.vision;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each named preset carries its source's evaluation settings (official config.py: resize int(256/224·img), crop img;
 * timm: resize floor(img / crop_pct); torchvision's weights meta: resize 232/246/238, crop 224; HF: squash), and the
 * torchvision Resize(int) rule sizes portrait and landscape images alike: shorter side = size, longer side =
 * int(size · long / short).
 */
class EvalPresetTest {

    private static RgbImage grey(int w, int h) {
        byte[] px = new byte[w * h * 3];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 7);
        return new RgbImage(w, h, px);
    }

    @Test
    void namedPresetsCarryTheirSourcesSettings() {
        assertThat(EvalPreset.named("official_224")).satisfies(p -> {
            assertThat(p.resize()).isEqualTo(256);
            assertThat(p.crop()).containsExactly(224, 224);
            assertThat(p.squash()).isNull();
        });
        assertThat(EvalPreset.official224(192).resize()).isEqualTo(219); // int(256 / 224 * 192) = int(219.43)
        assertThat(EvalPreset.official224(192).name()).isEqualTo("official_192");
        assertThat(EvalPreset.named("OFFICIAL_384").squash()).containsExactly(384, 384);
        assertThat(EvalPreset.named("official_384").crop()).isNull();
        assertThat(EvalPreset.official384(256).name()).isEqualTo("official_squash_256");
        assertThat(EvalPreset.named("timm").resize()).isEqualTo(248); // floor(224 / 0.9)
        assertThat(EvalPreset.named("timm_384").resize()).isEqualTo(384);
        assertThat(EvalPreset.named("timm_384").crop()).containsExactly(384, 384);
        assertThat(EvalPreset.timm(224, 0.875).resize()).isEqualTo(256);
        assertThat(EvalPreset.timm(224, 0.875).name()).isEqualTo("timm_224_0.875");
        assertThat(EvalPreset.timm(384, 0.9).name()).isEqualTo("timm_384_0.9");
        assertThat(EvalPreset.timm(224, 1.0).name()).isEqualTo("timm_224_1.0");
        assertThat(EvalPreset.named("torchvision_swin_t").resize()).isEqualTo(232);
        assertThat(EvalPreset.named("torchvision_swin_s").resize()).isEqualTo(246);
        assertThat(EvalPreset.named("torchvision_swin_b").resize()).isEqualTo(238);
        assertThat(EvalPreset.torchvision(240, 200).name()).isEqualTo("torchvision_240_200");
        assertThat(EvalPreset.torchvision(240, 200).crop()).containsExactly(200, 200);
        assertThat(EvalPreset.named("hf").squash()).containsExactly(224, 224);
        assertThat(EvalPreset.hf(384).name()).isEqualTo("hf_384");
        for (String name : EvalPreset.NAMES) {
            EvalPreset p = EvalPreset.named(name);
            assertThat(p.name()).isEqualTo(name);
            assertThat(p.filter()).isEqualTo(PillowResize.Filter.BICUBIC);
            assertThat(p.mean()).containsExactly(0.485f, 0.456f, 0.406f);
            assertThat(p.std()).containsExactly(0.229f, 0.224f, 0.225f);
        }
        assertThatThrownBy(() -> EvalPreset.named("inception")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown preprocessing preset 'inception'").hasMessageContaining("torchvision_swin_b");
    }

    @Test
    void outputSizeIsTheCropOrTheSquash() {
        EvalPreset crop = new EvalPreset("c", 100, null, new int[] {30, 40}, PillowResize.Filter.BILINEAR,
                EvalPreset.IMAGENET_MEAN, EvalPreset.IMAGENET_STD);
        assertThat(crop.height()).isEqualTo(30);
        assertThat(crop.width()).isEqualTo(40);
        EvalPreset squash = new EvalPreset("s", 0, new int[] {50, 60}, null, PillowResize.Filter.BILINEAR,
                EvalPreset.IMAGENET_MEAN, EvalPreset.IMAGENET_STD);
        assertThat(squash.height()).isEqualTo(50);
        assertThat(squash.width()).isEqualTo(60);
        RgbImage out = squash.prepare(grey(7, 9));
        assertThat(new int[] {out.width(), out.height()}).containsExactly(60, 50);
        assertThat(squash.apply(grey(7, 9))).hasSize(3 * 50 * 60);
        RgbImage cropped = crop.prepare(grey(200, 150));
        assertThat(new int[] {cropped.width(), cropped.height()}).containsExactly(40, 30);
    }

    @Test
    void shorterSideRuleForPortraitLandscapeAndSquareImages() {
        EvalPreset p = EvalPreset.named("official_224"); // resize 256
        RgbImage portrait = p.resized(grey(61, 97));
        assertThat(new int[] {portrait.width(), portrait.height()}).containsExactly(256, (int) (256.0 * 97 / 61));
        RgbImage landscape = p.resized(grey(97, 61));
        assertThat(new int[] {landscape.width(), landscape.height()}).containsExactly((int) (256.0 * 97 / 61), 256);
        RgbImage square = p.resized(grey(40, 40));
        assertThat(new int[] {square.width(), square.height()}).containsExactly(256, 256);
        RgbImage tall = p.resized(grey(3, 10)); // int(256 * 10 / 3) = int(853.33)
        assertThat(new int[] {tall.width(), tall.height()}).containsExactly(256, 853);
    }

    @Test
    void constructorRefusesIncompleteSettings() {
        float[] m = EvalPreset.IMAGENET_MEAN, s = EvalPreset.IMAGENET_STD;
        assertThatThrownBy(() -> new EvalPreset("x", 256, new int[] {2, 2}, null, PillowResize.Filter.BICUBIC, m, s))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("give either a shorter-side resize or a squash size");
        assertThatThrownBy(() -> new EvalPreset("x", 0, null, new int[] {2, 2}, PillowResize.Filter.BICUBIC, m, s))
                .hasMessage("give either a shorter-side resize or a squash size");
        assertThatThrownBy(() -> new EvalPreset("x", 256, null, null, PillowResize.Filter.BICUBIC, m, s))
                .hasMessage("a shorter-side resize needs a crop (the output size)");
        assertThatThrownBy(() -> new EvalPreset("x", 0, new int[] {2, 2}, null, PillowResize.Filter.BICUBIC, new float[2], s))
                .hasMessage("mean and std need 3 values");
        assertThatThrownBy(() -> new EvalPreset("x", 0, new int[] {2, 2}, null, PillowResize.Filter.BICUBIC, m, new float[4]))
                .hasMessage("mean and std need 3 values");
        // squash with a crop is allowed (squash, then crop)
        EvalPreset both = new EvalPreset("x", 0, new int[] {10, 10}, new int[] {4, 6}, PillowResize.Filter.BICUBIC, m, s);
        assertThat(both.width()).isEqualTo(6);
    }

    @Test
    void equalityIsByValueAndTheDescriptionNamesTheSteps() {
        EvalPreset a = EvalPreset.named("timm"), b = EvalPreset.timm(224, 0.9);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(EvalPreset.named("official_224")).isNotEqualTo("timm");
        EvalPreset otherFilter = new EvalPreset("timm", 248, null, new int[] {224, 224}, PillowResize.Filter.BILINEAR,
                EvalPreset.IMAGENET_MEAN, EvalPreset.IMAGENET_STD);
        assertThat(a).isNotEqualTo(otherFilter);
        EvalPreset otherMean = new EvalPreset("timm", 248, null, new int[] {224, 224}, PillowResize.Filter.BICUBIC,
                new float[] {0.5f, 0.5f, 0.5f}, EvalPreset.IMAGENET_STD);
        assertThat(a).isNotEqualTo(otherMean);
        EvalPreset otherStd = new EvalPreset("timm", 248, null, new int[] {224, 224}, PillowResize.Filter.BICUBIC,
                EvalPreset.IMAGENET_MEAN, new float[] {0.5f, 0.5f, 0.5f});
        assertThat(a).isNotEqualTo(otherStd);
        EvalPreset otherResize = new EvalPreset("timm", 247, null, new int[] {224, 224}, PillowResize.Filter.BICUBIC,
                EvalPreset.IMAGENET_MEAN, EvalPreset.IMAGENET_STD);
        assertThat(a).isNotEqualTo(otherResize);
        EvalPreset otherCrop = new EvalPreset("timm", 248, null, new int[] {224, 223}, PillowResize.Filter.BICUBIC,
                EvalPreset.IMAGENET_MEAN, EvalPreset.IMAGENET_STD);
        assertThat(a).isNotEqualTo(otherCrop);
        assertThat(EvalPreset.hf(224)).isNotEqualTo(EvalPreset.official384(224));
        assertThat(EvalPreset.official384(224)).isNotEqualTo(EvalPreset.official384(225));
        assertThat(a.toString()).isEqualTo("timm (resize 248, crop 224x224, bicubic)");
        assertThat(EvalPreset.named("hf").toString()).isEqualTo("hf (squash 224x224, bicubic)");
    }

    @Test
    void centerCropPadsSmallImagesWithZerosAndCentresByTorchvisionsRounding() {
        // torchvision: crop_top = int(round((h - th) / 2)), padding (extra on the right/bottom) when the crop is larger
        byte[] px = new byte[5 * 4 * 3];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (1 + i);
        RgbImage img = new RgbImage(5, 4, px);
        assertThat(EvalPreset.centerCrop(img, 4, 5)).isSameAs(img);
        RgbImage c = EvalPreset.centerCrop(img, 2, 2); // top = round(1.0) = 1, left = round(1.5) = 2
        assertThat(c.get(0, 0, 0)).isEqualTo(img.get(2, 1, 0));
        assertThat(c.get(1, 1, 2)).isEqualTo(img.get(3, 2, 2));
        RgbImage odd = EvalPreset.centerCrop(img, 1, 2); // top = round(1.5) = 2 (round half to even), left = 2
        assertThat(odd.get(0, 0, 1)).isEqualTo(img.get(2, 2, 1));
        RgbImage padded = EvalPreset.centerCrop(img, 7, 8); // pad left (8-5)//2 = 1, right 2; top (7-4)//2 = 1, bottom 2
        assertThat(padded.get(0, 0, 0)).isZero();
        assertThat(padded.get(1, 1, 0)).isEqualTo(img.get(0, 0, 0));
        assertThat(padded.get(5, 4, 2)).isEqualTo(img.get(4, 3, 2));
        assertThat(padded.get(6, 4, 0)).isZero();
        assertThat(padded.get(5, 5, 0)).isZero();
        RgbImage wide = EvalPreset.centerCrop(img, 2, 9); // pad columns only (left 2), crop rows from top round(1.0) = 1
        assertThat(wide.get(1, 0, 0)).isZero();
        assertThat(wide.get(2, 0, 0)).isEqualTo(img.get(0, 1, 0));
        assertThat(wide.get(6, 1, 1)).isEqualTo(img.get(4, 2, 1));
        assertThat(wide.get(7, 1, 1)).isZero();
    }
}
