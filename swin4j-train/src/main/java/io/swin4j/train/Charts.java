package io.swin4j.train;

import io.swin4j.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** PNG charts of a run (XChart, rendered headless): training curves and the confusion matrix. */
public final class Charts {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {}

    /**
     * Loss (per step and per epoch), learning rate (per step) and accuracy side by side.
     *
     * @param steps per step {epoch position (fractional), loss, lr}
     */
    public static void writeCurves(Path png, List<TrainHistory.Epoch> epochs, List<double[]> steps) throws IOException {
        List<XYChart> charts = new ArrayList<>();
        XYChart loss = chart("Loss", "epoch", "loss");
        double[][] s = thin(steps, 2000);
        if (steps.size() > 1) {
            loss.addSeries("train (step)", s[0], s[1]).setMarker(SeriesMarkers.NONE).setLineColor(new Color(150, 180, 230));
        }
        addEpochSeries(loss, "train (epoch)", epochs, TrainHistory.Epoch::trainLoss);
        addEpochSeries(loss, "val", epochs, TrainHistory.Epoch::valLoss);
        charts.add(loss);
        XYChart lr = chart("Learning rate", "epoch", "lr");
        if (steps.size() > 1) lr.addSeries("lr (step)", s[0], s[2]).setMarker(SeriesMarkers.NONE);
        else addEpochSeries(lr, "lr (end of epoch)", epochs, TrainHistory.Epoch::lr);
        charts.add(lr);
        XYChart acc = chart("Accuracy", "epoch", "top-1");
        addEpochSeries(acc, "train", epochs, TrainHistory.Epoch::trainTop1);
        addEpochSeries(acc, "val", epochs, TrainHistory.Epoch::valTop1);
        addEpochSeries(acc, "val (EMA)", epochs, TrainHistory.Epoch::emaTop1);
        charts.add(acc);
        writeRow(png, charts);
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(520).height(380).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        return c;
    }

    private static void addEpochSeries(XYChart chart, String name, List<TrainHistory.Epoch> epochs,
                                       java.util.function.ToDoubleFunction<TrainHistory.Epoch> f) {
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (TrainHistory.Epoch e : epochs) {
            double v = f.applyAsDouble(e);
            if (Double.isFinite(v)) {
                xs.add(e.epoch() + 1.0);
                ys.add(v);
            }
        }
        if (!xs.isEmpty()) chart.addSeries(name, xs, ys);
    }

    private static double[][] thin(List<double[]> points, int max) {
        int stride = Math.max(1, points.size() / max);
        List<double[]> kept = new ArrayList<>();
        for (int i = 0; i < points.size(); i += stride) kept.add(points.get(i));
        double[][] out = new double[3][kept.size()];
        for (int i = 0; i < kept.size(); i++) {
            for (int j = 0; j < 3; j++) out[j][i] = kept.get(i)[j];
        }
        return out;
    }

    private static void writeRow(Path png, List<XYChart> charts) throws IOException {
        List<BufferedImage> images = new ArrayList<>();
        for (XYChart c : charts) images.add(BitmapEncoder.getBufferedImage(c));
        int w = images.stream().mapToInt(BufferedImage::getWidth).sum();
        int h = images.stream().mapToInt(BufferedImage::getHeight).max().orElse(1);
        BufferedImage all = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        int x = 0;
        for (BufferedImage im : images) {
            g.drawImage(im, x, 0, null);
            x += im.getWidth();
        }
        g.dispose();
        AtomicFiles.write(png, out -> ImageIO.write(all, "png", out));
    }

    /** The confusion matrix as a heat map with counts (rows: true class, columns: predicted). */
    public static void writeConfusion(Path png, List<String> classes, long[][] confusion) throws IOException {
        int k = classes.size();
        int side = Math.max(500, 60 * k + 200);
        HeatMapChart chart = new HeatMapChartBuilder().width(side + 100).height(side).title("Confusion matrix")
                .xAxisTitle("predicted").yAxisTitle("true").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        List<String> xs = new ArrayList<>(classes), ys = new ArrayList<>();
        for (int i = k - 1; i >= 0; i--) ys.add(classes.get(i)); // first class at the top
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) cells.add(new Number[] {p, k - 1 - t, confusion[t][p]});
        }
        chart.addSeries("count", xs, ys, cells);
        BufferedImage img = BitmapEncoder.getBufferedImage(chart);
        AtomicFiles.write(png, out -> ImageIO.write(img, "png", out));
    }

    /**
     * A segmentation run: training loss and learning rate per logged iteration, validation mIoU and aAcc per
     * evaluation.
     *
     * @param steps per logged iteration {iteration, loss, lr}
     * @param evals per evaluation {iteration, mIoU, aAcc}
     */
    public static void writeSegmentationCurves(Path png, List<double[]> steps, List<double[]> evals) throws IOException {
        List<XYChart> charts = new ArrayList<>();
        double[][] s = thin(steps, 2000);
        XYChart loss = chart("Loss", "iteration", "loss (decode + 0.4 aux)");
        if (!steps.isEmpty()) loss.addSeries("train", s[0], s[1]).setMarker(SeriesMarkers.NONE);
        charts.add(loss);
        XYChart lr = chart("Learning rate", "iteration", "lr");
        if (!steps.isEmpty()) lr.addSeries("lr", s[0], s[2]).setMarker(SeriesMarkers.NONE);
        charts.add(lr);
        XYChart iou = chart("Validation", "iteration", "score");
        if (!evals.isEmpty()) {
            double[][] e = thin(evals, 2000);
            iou.addSeries("mIoU", e[0], e[1]);
            iou.addSeries("aAcc", e[0], e[2]);
        }
        charts.add(iou);
        writeRow(png, charts);
    }

    /**
     * A confusion matrix normalised per row (each true class's pixels as shares of the predicted classes), with the
     * class names on both axes and the shares in percent: for pixel counts, whose raw numbers differ by orders of
     * magnitude between classes.
     */
    public static void writeRowNormalisedConfusion(Path png, List<String> classes, long[][] confusion) throws IOException {
        int k = classes.size();
        int side = Math.max(500, 60 * k + 200);
        HeatMapChart chart = new HeatMapChartBuilder().width(side + 100).height(side).title("Confusion matrix (% of each true class)")
                .xAxisTitle("predicted").yAxisTitle("true").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setMin(0);
        chart.getStyler().setMax(100);
        chart.getStyler().setXAxisLabelRotation(45); // long class names side by side
        List<String> xs = new ArrayList<>(classes), ys = new ArrayList<>();
        for (int i = k - 1; i >= 0; i--) ys.add(classes.get(i)); // first class at the top
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            long row = 0;
            for (long v : confusion[t]) row += v;
            for (int p = 0; p < k; p++) {
                double share = row == 0 ? 0 : 100.0 * confusion[t][p] / row;
                cells.add(new Number[] {p, k - 1 - t, Math.round(share * 10) / 10.0});
            }
        }
        chart.addSeries("percent", xs, ys, cells);
        BufferedImage img = BitmapEncoder.getBufferedImage(chart);
        AtomicFiles.write(png, out -> ImageIO.write(img, "png", out));
    }
}
