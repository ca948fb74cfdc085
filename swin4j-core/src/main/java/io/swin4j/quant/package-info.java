/**
 * The arithmetic of 8-bit quantization, in plain Java (no libtorch): affine parameters as PyTorch's observers compute
 * them ({@link QParams}), the histograms calibration collects ({@link Histogram}) and the ways to choose an activation
 * range from one ({@link RangeMethod}: min-max, percentile, MSE). {@code io.swin4j.model} applies them with FBGEMM.
 */
package io.swin4j.quant;
