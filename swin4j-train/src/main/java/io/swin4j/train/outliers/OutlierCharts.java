package io.swin4j.train.outliers;

import io.swin4j.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.Histogram;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * PNG plots of an {@link OutlierReport} (XChart, headless): per block ({@code <block>.png}) the histogram of the
 * per-sample ‖x‖∞ of its output and of its FFN output; {@code summary.png}, ‖x‖∞ and kurtosis over the blocks;
 * {@code attention.png}, the largest and the mean per-head single-token attention mass over the blocks.
 */
public final class OutlierCharts {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final int BINS = 20;

    private OutlierCharts() {}

    /** Writes the plots into {@code dir} (created if needed); returns the files written. */
    public static List<Path> write(Path dir, OutlierReport report) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        for (OutlierReport.Block b : report.blocks()) {
            CategoryChart c = new CategoryChartBuilder().width(640).height(420)
                    .title(b.name() + ": per-sample ‖x‖∞ (" + b.sampleBlockInfNorm().length + " samples)")
                    .xAxisTitle("‖x‖∞").yAxisTitle("samples").build();
            style(c);
            c.getStyler().setOverlapped(true);
            c.getStyler().setXAxisDecimalPattern("0.0");
            // One set of bins for both series: the category axis is shared.
            double min = Math.min(min(b.sampleBlockInfNorm()), min(b.sampleFfnInfNorm()));
            double max = Math.max(max(b.sampleBlockInfNorm()), max(b.sampleFfnInfNorm()));
            if (!(max > min)) max = min + 1;
            addHistogram(c, "block output", b.sampleBlockInfNorm(), min, max);
            addHistogram(c, "FFN output", b.sampleFfnInfNorm(), min, max);
            written.add(save(dir.resolve(b.name() + ".png"), c));
        }
        double[] index = new double[report.blocks().size()];
        for (int i = 0; i < index.length; i++) index[i] = i;
        XYChart norms = line("‖x‖∞ per block (mean over samples)", "‖x‖∞");
        norms.addSeries("block output", index, values(report, OutlierReport.Block::blockInfNorm));
        norms.addSeries("FFN output", index, values(report, OutlierReport.Block::ffnInfNorm));
        XYChart kurt = line("kurtosis per block (mean over samples)", "kurtosis");
        kurt.addSeries("block output", index, values(report, OutlierReport.Block::blockKurtosis));
        kurt.addSeries("FFN output", index, values(report, OutlierReport.Block::ffnKurtosis));
        written.add(saveRow(dir.resolve("summary.png"), norms, kurt));
        if (report.blocks().stream().allMatch(b -> b.headMaxProb() != null)) {
            XYChart mass = line("single-token attention mass per block", "mean max probability");
            mass.addSeries("largest head", index, values(report, OutlierReport.Block::maxHeadMass));
            mass.addSeries("mean of heads", index, values(report, b -> mean(b.headMaxProb())));
            written.add(save(dir.resolve("attention.png"), mass));
        }
        return written;
    }

    private static double min(float[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (float f : v) m = Math.min(m, f);
        return v.length == 0 ? 0 : m;
    }

    private static double max(float[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (float f : v) m = Math.max(m, f);
        return v.length == 0 ? 1 : m;
    }

    private static void addHistogram(CategoryChart c, String name, float[] values, double min, double max) {
        List<Double> v = new ArrayList<>();
        for (float f : values) v.add((double) f);
        Histogram h = new Histogram(v, BINS, min, max);
        c.addSeries(name, h.getxAxisData(), h.getyAxisData());
    }

    private static XYChart line(String title, String y) {
        XYChart c = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle("block (forward order)")
                .yAxisTitle(y).build();
        style(c);
        return c;
    }

    private static void style(Chart<?, ?> c) {
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
    }

    private static double[] values(OutlierReport r, java.util.function.ToDoubleFunction<OutlierReport.Block> f) {
        return r.blocks().stream().mapToDouble(f).toArray();
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    private static Path save(Path png, Chart<?, ?> chart) throws IOException {
        BufferedImage image = BitmapEncoder.getBufferedImage(chart);
        AtomicFiles.write(png, out -> ImageIO.write(image, "png", out));
        return png;
    }

    private static Path saveRow(Path png, Chart<?, ?> left, Chart<?, ?> right) throws IOException {
        BufferedImage a = BitmapEncoder.getBufferedImage(left), b = BitmapEncoder.getBufferedImage(right);
        BufferedImage all = new BufferedImage(a.getWidth() + b.getWidth(), Math.max(a.getHeight(), b.getHeight()),
                BufferedImage.TYPE_INT_RGB);
        var g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, all.getWidth(), all.getHeight());
        g.drawImage(a, 0, 0, null);
        g.drawImage(b, a.getWidth(), 0, null);
        g.dispose();
        AtomicFiles.write(png, out -> ImageIO.write(all, "png", out));
        return png;
    }
}
