package io.swin4j.train.segmentation;

import java.util.SplittableRandom;

/**
 * The random draws of the segmentation transforms, in the terms of numpy's {@code random} that mmseg calls: a transform
 * asks for exactly the draws mmseg's asks for, in the same order, so that a test can replay mmseg's recorded draws.
 */
public interface RandomDraws {

    /** numpy {@code randint(low, high)}: an integer in [low, high). */
    int randint(int low, int high);

    /** numpy {@code uniform(low, high)}: a double in [low, high). */
    double uniform(double low, double high);

    /** numpy {@code random_sample()} / {@code rand()}: a double in [0, 1). */
    double random();

    /** Draws from {@code rng}. */
    static RandomDraws of(SplittableRandom rng) {
        return new RandomDraws() {
            @Override
            public int randint(int low, int high) {
                return rng.nextInt(low, high);
            }

            @Override
            public double uniform(double low, double high) {
                return low + (high - low) * rng.nextDouble();
            }

            @Override
            public double random() {
                return rng.nextDouble();
            }
        };
    }
}
