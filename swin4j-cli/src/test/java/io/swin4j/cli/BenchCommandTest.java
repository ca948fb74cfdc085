package io.swin4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.infer.BundledModel;
import io.swin4j.model.FlopCount;
import io.swin4j.weights.SwinWeights;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@code swin bench} on the bundled model: the JSON it prints, the leak check and bf16 agreement. */
class BenchCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void printsOneResultPerBatchSizeWithTheOfficialMacCount() throws Exception {
        String weights = BundledModel.path().toString();
        CliRun r = CliRun.of("bench", "--weights", weights, "--batch", "1,4", "--runs", "3", "--seconds", "0", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().filter(l -> l.startsWith("{")).toList();
        assertThat(lines).hasSize(2);
        double macs = FlopCount.macs(SwinWeights.load(BundledModel.path()).config());
        for (int i = 0; i < 2; i++) {
            JsonNode o = JSON.readTree(lines.get(i));
            assertThat(o.get("engine").asText()).isEqualTo("swin4j");
            assertThat(o.get("precision").asText()).isEqualTo("fp32");
            assertThat(o.get("stats").get("batch").asInt()).isEqualTo(i == 0 ? 1 : 4);
            assertThat(o.get("stats").get("runs").asInt()).isEqualTo(3);
            double ips = o.get("stats").get("imgPerSec").asDouble();
            assertThat(ips).isPositive();
            assertThat(o.get("macsPerImage").asDouble()).isEqualTo(macs);
            assertThat(o.get("gflops").asDouble()).isCloseTo(2 * macs * ips / 1e9, within(1e-6));
            assertThat(o.get("peakRssMb").asDouble()).isPositive();
        }
    }

    @Test
    void bf16AgreesWithFp32OnRealImagesAndTheLeakCheckReportsMemory() throws Exception {
        CliRun r = CliRun.of("bench", "--weights", BundledModel.path().toString(), "--batch", "8", "--runs", "1",
                "--seconds", "0", "--precision", "bf16", "--agreement", "64", "--leak-check", "30", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode leak = null, agreement = null;
        for (String line : r.out().lines().toList()) {
            JsonNode o = JSON.readTree(line);
            if (o.has("leakCheck")) leak = o.get("leakCheck");
            if (o.has("agreement")) agreement = o.get("agreement");
        }
        assertThat(leak).as(r.out()).isNotNull();
        assertThat(leak.get("batches").asInt()).isEqualTo(30);
        assertThat(leak.get("rssMb")).hasSize(11);
        assertThat(agreement).as(r.out()).isNotNull();
        assertThat(agreement.get("inputs").asInt()).isEqualTo(64);
        // A trained model's decisions survive bf16; its logits move by well under 10%.
        assertThat(agreement.get("top1Agreement").asDouble()).isGreaterThanOrEqualTo(0.9);
        assertThat(agreement.get("meanRelErr").asDouble()).isGreaterThan(0).isLessThan(0.1);
    }

    @Test
    void badFlagsAreRefusedWithAMessage() {
        CliRun r = CliRun.of("bench", "--batch", "0");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("--batch");
        CliRun p = CliRun.of("bench", "--precision", "fp8");
        assertThat(p.exit()).isNotZero();
        assertThat(p.err()).contains("fp8").contains("bf16");
        CliRun m = CliRun.of("bench", "--model", "swin_huge", "--runs", "1", "--seconds", "0");
        assertThat(m.exit()).isNotZero();
        assertThat(m.err()).contains("swin_huge");
    }
}
