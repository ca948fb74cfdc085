package io.swin4j.onnx.export;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.Precision;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.onnx.OrtRunner;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The exporter writes fp32 graphs only: a bf16 or int8 model is refused with a message naming its precision. */
class PrecisionRefusalTest {

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BF16", "INT8"})
    void nonFp32ModelsAreRefused(Precision precision) {
        SwinConfig config = SwinOnnxExporterTest.tiny(SwinConfig.Family.V1, SizeRule.OFFICIAL);
        try (SwinTransformer model = OrtRunner.noisyModel(config, 2).optPrecision(precision)) {
            assertThatThrownBy(() -> SwinOnnxExporter.export(model, OnnxExportOptions.defaults(config)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("fp32 graphs").hasMessageContaining(model.precisionLabel());
        }
    }
}
