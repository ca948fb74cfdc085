package io.swin4j.infer;

/**
 * One class of a top-k answer.
 *
 * @param index       output index of the head
 * @param label       its name
 * @param probability softmax probability
 */
public record Prediction(int index, String label, double probability) {}
