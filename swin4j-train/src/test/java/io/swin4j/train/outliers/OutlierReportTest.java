package io.swin4j.train.outliers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The summary figures (max and mean over blocks of per-block means) and the plots of a hand-made report. */
class OutlierReportTest {

    private static OutlierReport.Block block(int j, double inf, double ffnInf, double kurt, double[] heads) {
        return new OutlierReport.Block("layers.0.blocks." + j, 0, j, inf, ffnInf, kurt, kurt + 1, heads,
                heads == null ? null : new double[heads.length], new float[] {(float) inf - 1, (float) inf + 1},
                new float[] {(float) ffnInf, (float) ffnInf});
    }

    private static OutlierReport report() {
        return new OutlierReport(2, List.of(block(0, 4, 2, 3, new double[] {0.2, 0.9}),
                block(1, 10, 7, 30, new double[] {0.5, 0.4}), block(2, 7, 1, 6, new double[] {0.3, 0.3})));
    }

    @Test
    void summaryIsTheMaxAndTheMeanOverBlocks() {
        OutlierReport r = report();
        assertThat(r.maxInfNorm()).isEqualTo(10);
        assertThat(r.averageInfNorm()).isCloseTo((4 + 10 + 7) / 3.0, within(1e-12));
        assertThat(r.averageKurtosis()).isCloseTo((3 + 30 + 6) / 3.0, within(1e-12));
        assertThat(r.maxFfnInfNorm()).isEqualTo(7);
        assertThat(r.averageFfnKurtosis()).isCloseTo((4 + 31 + 7) / 3.0, within(1e-12));
        assertThat(r.averageKurtosisBlockAndFfn()).isCloseTo((3 + 30 + 6 + 4 + 31 + 7) / 6.0, within(1e-12));
        assertThat(r.blocks().get(0).maxHeadMass()).isEqualTo(0.9);
        @SuppressWarnings("unchecked")
        Map<String, Object> summary = (Map<String, Object>) r.toMap().get("summary");
        assertThat(summary).containsEntry("max_inf_norm", 10.0);
    }

    @Test
    void writesOnePlotPerBlockAndTheSummaries(@TempDir Path dir) throws Exception {
        List<Path> files = OutlierCharts.write(dir.resolve("plots"), report());
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly("layers.0.blocks.0.png",
                "layers.0.blocks.1.png", "layers.0.blocks.2.png", "summary.png", "attention.png");
        for (Path f : files) assertThat(ImageIO.read(f.toFile()).getWidth()).as(f.toString()).isGreaterThan(100);
    }
}
