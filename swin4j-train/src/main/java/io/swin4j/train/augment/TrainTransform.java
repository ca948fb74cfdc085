package io.swin4j.train.augment;

import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.PillowResize;
import io.swin4j.vision.RgbImage;

import java.util.SplittableRandom;

/**
 * The training transform of timm's {@code transforms_imagenet_train} as the recipe configures it: RandomResizedCrop
 * → horizontal flip → RandAugment → ToTensor + Normalize → RandomErasing. Every random decision comes from the
 * {@code rng} passed in, so a sample's augmentation is a pure function of its seed.
 *
 * @param randAugment null for none
 * @param crop        null: no crop, only a resize to {@code size} (squash) when the image differs
 */
public record TrainTransform(int size, RandomResizedCrop crop, double hflipProb, RandAugment randAugment,
                             float[] mean, float[] std, RandomErasing erasing) {

    public float[] apply(RgbImage img, SplittableRandom rng) {
        RgbImage x = crop != null ? crop.apply(img, rng)
                : img.width() == size && img.height() == size ? img : PillowResize.resize(img, size, size, PillowResize.Filter.BICUBIC);
        if (hflipProb > 0 && rng.nextDouble() < hflipProb) x = RandomResizedCrop.flipHorizontal(x);
        if (randAugment != null) x = randAugment.apply(x, rng);
        float[] out = normalizer().normalize(x);
        if (erasing != null) erasing.apply(out, 3, size, size, rng);
        return out;
    }

    private EvalPreset normalizer() {
        return new EvalPreset("train", 0, new int[] {size, size}, null, PillowResize.Filter.BICUBIC, mean, std);
    }
}
