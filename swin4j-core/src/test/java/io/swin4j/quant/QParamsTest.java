package io.swin4j.quant;

import com.fasterxml.jackson.databind.JsonNode;
import io.swin4j.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Affine parameters and rounding against PyTorch's observers and quantize_per_tensor (fixtures/int8). */
class QParamsTest {

    private final Path dir = Fixtures.root().resolve("int8");

    @Test
    void activationParametersAreTorchMinMaxObserverWithReducedRange() {
        JsonNode cases = Fixtures.json(dir.resolve("observer_cases.json"));
        assertThat(cases.size()).isEqualTo(7);
        for (JsonNode c : cases) {
            QParams q = QParams.activation((float) c.get("min").asDouble(), (float) c.get("max").asDouble());
            assertThat(q.scale()).as("scale of %s", c).isEqualTo((float) c.get("scale").asDouble());
            assertThat(q.zeroPoint()).as("zero point of %s", c).isEqualTo(c.get("zero_point").asInt());
            assertThat(q.qmax()).isEqualTo(127);
        }
    }

    @Test
    void quantizeRoundsHalfToEvenAndClampsAsQuantizePerTensor() {
        float[] in = Fixtures.npy(dir.resolve("requant_in.npy")).data();
        float[] expected = Fixtures.npy(dir.resolve("requant.npy")).data();
        QParams q = new QParams(0.05f, 64, 0, 255);
        for (int i = 0; i < in.length; i++) {
            assertThat((float) q.quantize(in[i])).as("quantize(%s)", in[i]).isEqualTo(expected[i]);
        }
        assertThat(q.dequantize(65)).isEqualTo(0.05f);
        assertThat(q.min()).isEqualTo(-64 * 0.05f);
    }

    @Test
    void affineOnAnotherRangeFollowsTheSameFormula() {
        // _calculate_qparams with quant range [-128, 127] on [-1, 3]: scale 4/255, zp = -128 - round(-1 / scale)
        QParams q = QParams.affine(-1f, 3f, -128, 127);
        float scale = 4f / 255;
        assertThat(q.scale()).isEqualTo(scale);
        assertThat(q.zeroPoint()).isEqualTo(-128 - (int) Math.rint(-1f / scale));
        assertThat(q.max()).isEqualTo((127 - q.zeroPoint()) * scale);
    }

    @Test
    void symmetricWeightScaleIsTorchPerChannelRule() {
        // PerChannelMinMaxObserver(qint8, per_channel_symmetric): max|w| / ((127 - (-128)) / 2), floored at eps
        assertThat(QParams.symmetricWeightScale(2.55f)).isEqualTo(2.55f / 127.5f);
        assertThat(QParams.symmetricWeightScale(0f)).isEqualTo(Math.ulp(1.0f));
    }

    @Test
    void badParametersAreRefused() {
        assertThatThrownBy(() -> new QParams(0f, 0, 0, 127)).hasMessageContaining("scale must be finite and > 0");
        assertThatThrownBy(() -> new QParams(1f, 200, 0, 127)).hasMessageContaining("zero point 200 outside [0, 127]");
        assertThatThrownBy(() -> QParams.activation(2f, 1f)).hasMessageContaining("bad range");
        assertThatThrownBy(() -> QParams.activation(Float.NaN, 1f)).hasMessageContaining("bad range");
    }
}
