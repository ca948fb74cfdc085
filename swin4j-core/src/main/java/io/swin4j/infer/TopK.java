package io.swin4j.infer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** The k most probable classes of one row of probabilities: pure Java, no libtorch. */
public final class TopK {

    private TopK() {}

    /**
     * The {@code min(k, probs.length)} most probable classes, most probable first; equal probabilities keep the lower
     * index first. Each prediction names its class with {@code labels}.
     */
    public static List<Prediction> of(float[] probs, int k, Labels labels) {
        Integer[] order = new Integer[probs.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -probs[i]).thenComparingInt(i -> i));
        List<Prediction> top = new ArrayList<>();
        for (int i = 0; i < Math.min(k, probs.length); i++) {
            top.add(new Prediction(order[i], labels.name(order[i]), probs[order[i]]));
        }
        return top;
    }
}
