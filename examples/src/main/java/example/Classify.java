package example;

import io.swin4j.infer.Prediction;
import io.swin4j.infer.SwinPredictor;

import java.nio.file.Path;

/** Classifies an image (default: a sample of swin4j's checkout) with the Fashion-MNIST Swin bundled in swin4j-core. */
public class Classify {
    public static void main(String[] args) throws Exception {
        Path image = Path.of(args.length > 0 ? args[0] : "../samples/0000-ankle-boot.png");
        try (SwinPredictor predictor = SwinPredictor.builder().build()) {
            for (Prediction p : predictor.classify(image, 3)) {
                System.out.printf("%s %.3f%n", p.label(), p.probability());
            }
        }
    }
}
