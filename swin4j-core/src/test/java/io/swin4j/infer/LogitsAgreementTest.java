package io.swin4j.infer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Agreement and logits error, against values computed by hand here. */
class LogitsAgreementTest {

    @Test
    void agreementAndRelativeErrorPerSample() {
        LogitsAgreement a = new LogitsAgreement();
        // sample 0: same arg-max (class 1), error (0, 0.3, -0.4) over a norm of 5 -> 0.5 / 5 = 0.1
        // sample 1: arg-max 2 in the reference, 0 in the candidate; error (1, 0, 0) over a norm of 1 -> 1.0
        a.add(new float[] {0, 3, -4, 0, 0, 1}, new float[] {0, 3.3f, -4.4f, 1, 0, 1}, 2);
        // sample 2 (second batch): identical
        a.add(new float[] {2, 1, 0}, new float[] {2, 1, 0}, 1);
        LogitsAgreement.Result r = a.result();
        assertThat(r.inputs()).isEqualTo(3);
        assertThat(r.top1Agreement()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(r.meanRelErr()).isCloseTo((0.1 + 1.0 + 0) / 3, within(1e-6));
        assertThat(r.maxRelErr()).isCloseTo(1.0, within(1e-6));
        assertThat(r.describe()).isEqualTo("3 inputs: top-1 agreement 66.67%, logits relative error mean 0.3667 max 1.0000");
    }

    @Test
    void mismatchedOrEmptyInputsAreRefused() {
        LogitsAgreement a = new LogitsAgreement();
        assertThatThrownBy(a::result).hasMessageContaining("no inputs to compare");
        assertThatThrownBy(() -> a.add(new float[4], new float[3], 1)).hasMessageContaining("4 and 3 logits for 1 samples");
        assertThatThrownBy(() -> a.add(new float[5], new float[5], 2)).hasMessageContaining("5 and 5 logits for 2 samples");
    }
}
