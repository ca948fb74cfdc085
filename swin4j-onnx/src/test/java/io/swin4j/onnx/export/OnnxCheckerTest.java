package io.swin4j.onnx.export;

import io.swin4j.geometry.SizeRule;
import io.swin4j.model.AttentionVariant;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinTransformer;
import io.swin4j.onnx.OrtRunner;
import io.swin4j.testing.Required;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ONNX project's own checker ({@code onnx.checker.check_model(full_check=True)}, Debian's python3-onnx: schema,
 * types and shape inference) accepts every standard-ops graph: each family and size rule, non-square sizes, stage
 * outputs, in-graph normalisation, static and dynamic batch, clipped-softmax and gated attention. (Contrib graphs
 * use ONNX Runtime's own domain, which the checker does not know; ONNX Runtime loading and running them is their
 * proof, in SwinOnnxExporterTest.)
 */
class OnnxCheckerTest {

    private static final String PYTHON = "/usr/bin/python3";
    private static final String CHECK = "import onnx, sys\n"
            + "for p in sys.argv[1:]:\n"
            + "    onnx.checker.check_model(onnx.load(p), full_check=True)\n"
            + "    print('ok', p)\n";

    private static boolean haveChecker() {
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import onnx.checker").redirectErrorStream(true).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void checkerAcceptsEveryStandardGraph(@TempDir Path tmp) throws Exception {
        Required.present(haveChecker(), "Debian's python3-onnx (onnx.checker)", "apt-get install python3-onnx");
        List<String> files = new ArrayList<>();
        int k = 0;
        for (SwinConfig.Family family : SwinConfig.Family.values()) {
            for (SizeRule rule : SizeRule.values()) {
                SwinConfig config = SwinOnnxExporterTest.tiny(family, rule);
                try (SwinTransformer model = OrtRunner.noisyModel(config, 3)) {
                    OnnxExportOptions base = OnnxExportOptions.defaults(config).withOps(OnnxExportOptions.Ops.STANDARD);
                    List<OnnxExportOptions> variants = new ArrayList<>(List.of(base,
                            base.withSize(36, 52).withBatch(2).withOutputs(EnumSet.allOf(OnnxExportOptions.Output.class)),
                            base.withNormalization(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f})));
                    variants.add(base.withDynamicSize().withOutputs(EnumSet.allOf(OnnxExportOptions.Output.class)));
                    for (OnnxExportOptions o : variants) {
                        Path f = tmp.resolve("g" + (k++) + ".onnx");
                        SwinOnnxExporter.write(model, o, f);
                        files.add(f.toString());
                    }
                }
            }
        }
        for (SwinConfig.Family family : new SwinConfig.Family[] {SwinConfig.Family.V1, SwinConfig.Family.V2}) {
            for (AttentionVariant v : new AttentionVariant[] {AttentionVariant.clipped(), AttentionVariant.gated()}) {
                SwinConfig config = SwinOnnxExporterTest.tiny(family, SizeRule.OFFICIAL).toBuilder().optAttention(v).build();
                try (SwinTransformer model = OrtRunner.noisyModel(config, 3)) {
                    OnnxExportOptions base = OnnxExportOptions.defaults(config).withOps(OnnxExportOptions.Ops.STANDARD);
                    for (OnnxExportOptions o : List.of(base.withSize(36, 52), base.withDynamicSize())) {
                        Path f = tmp.resolve("g" + (k++) + ".onnx");
                        SwinOnnxExporter.write(model, o, f);
                        files.add(f.toString());
                    }
                }
            }
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", CHECK));
        cmd.addAll(files);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out.lines().filter(l -> l.startsWith("ok ")).count()).as(out).isEqualTo(files.size());
        assertThat(Files.size(Path.of(files.get(0)))).isPositive();
    }
}
