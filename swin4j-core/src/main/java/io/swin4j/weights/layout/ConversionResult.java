package io.swin4j.weights.layout;

import io.swin4j.tensor.HostTensor;

import java.util.List;
import java.util.Map;

/**
 * A source state dict converted to canonical names by its {@link CheckpointAdapter}.
 *
 * @param canonical      the converted parameters, official names of the family
 * @param ignoredBuffers source keys of buffers the model recomputes (relative_position_index, attn_mask, ...)
 * @param unexpected     keys with no canonical counterpart
 * @param extras         source-specific tensors kept aside (mmdet's per-output norms norm0..3)
 * @param hints          what the buffers told about the geometry (V2 windows), and notes on the conversion
 */
public record ConversionResult(Map<String, HostTensor> canonical, List<String> ignoredBuffers,
                               List<String> unexpected, Map<String, HostTensor> extras, LayoutHints hints) {}
