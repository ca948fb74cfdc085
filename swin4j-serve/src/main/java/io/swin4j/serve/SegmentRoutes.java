package io.swin4j.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swin4j.infer.SegmentTask;
import io.swin4j.infer.Segmentation;
import io.swin4j.infer.SegmentationPredictor;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinConfig;
import io.swin4j.pipeline.Pipeline;
import io.swin4j.pipeline.Prepared;
import io.swin4j.pipeline.Result;

import java.util.List;
import java.util.Locale;

import static io.swin4j.serve.Responses.JSON;
import static io.swin4j.serve.Responses.json;
import static io.swin4j.serve.Responses.send;

/**
 * The routes of a segmentation model: {@code POST /v1/segment} (multipart or one raw image; JSON
 * {@code {"results": [{"name", "width", "height", "classes": [...], "label_png": base64}]}}, or with
 * {@code Accept: image/png} the label PNG of one image) and {@code GET /v1/model} (task, classes, palette, mode). The
 * images go through {@link InferenceRoutes}' shared steps: decode slots, the micro-batcher, deadlines. The classifier
 * routes answer 400 {@code not_a_classifier}.
 */
final class SegmentRoutes {

    private final SegmentationPredictor predictor;
    private final InferenceRoutes shared;
    private final ServeOptions options;
    private final ServeMetrics metrics;
    private final RequestBodies bodies;
    private final SegmentTask task;
    private final Pipeline<Segmentation> pipeline;

    SegmentRoutes(SegmentationPredictor predictor, InferenceRoutes shared, ServeOptions options, ServeMetrics metrics,
                  RequestBodies bodies) {
        this.predictor = predictor;
        this.bodies = bodies;
        this.shared = shared;
        this.options = options;
        this.metrics = metrics;
        this.task = predictor.segmentTask().withLabelPng(true);
        this.pipeline = predictor.pipeline(task).withLimits(shared.limits).withBatchSize(options.maxBatch());
    }

    int segment(Exchange ex) {
        String accept = ex.header("Accept");
        boolean png = accept != null && accept.toLowerCase(Locale.ROOT).contains("image/png")
                && !accept.toLowerCase(Locale.ROOT).contains("application/json");
        boolean raw = !Multipart.isMultipart(ex.header("Content-Type"));
        List<Multipart.Part> parts = bodies.images(ex);
        if (png && parts.size() != 1) {
            throw new HttpError(400, "one_image", "Accept: image/png answers the label PNG of one image, got " + parts.size()
                    + "; ask for application/json to segment several");
        }
        List<Prepared<Segmentation>> entries = shared.prepare(pipeline, parts);
        if ((raw || png) && !entries.get(0).ok()) {
            metrics.images("undecodable", 1);
            throw new HttpError(400, "bad_image", entries.get(0).error());
        }
        List<Result<Segmentation>> results = shared.infer(ex, entries);
        if (png) {
            metrics.images("ok", 1);
            return send(ex, 200, "image/png", results.get(0).value().labelPng());
        }
        return shared.answerEach(ex, results, task);
    }

    /** What the page and clients need: the task, the classes with their colours, the mode and the preset. */
    int model(Exchange ex) {
        SegmentationConfig s = predictor.config();
        SwinConfig c = s.backbone();
        ObjectNode body = JSON.createObjectNode();
        body.put("task", "segmentation");
        body.put("name", c.name());
        body.put("weights", predictor.weights().file().getFileName().toString());
        body.put("layout", predictor.weights().layout().toString());
        body.put("family", c.family().name());
        body.put("attentionMaps", false);
        body.put("precision", "fp32");
        body.put("engine", "libtorch");
        ObjectNode arch = body.putObject("architecture");
        arch.put("patchSize", c.patchSize()).put("inChans", c.inChans()).put("embedDim", c.embedDim())
                .put("windowSize", c.windowSize()).put("mlpRatio", c.mlpRatio()).put("numClasses", s.numClasses());
        ArrayNode depths = arch.putArray("depths");
        for (int d : c.depths()) depths.add(d);
        ArrayNode heads = arch.putArray("numHeads");
        for (int h : c.numHeads()) heads.add(h);
        ObjectNode head = body.putObject("head");
        head.put("type", "UPerNet").put("channels", s.channels()).put("alignCorners", s.alignCorners())
                .put("auxiliary", s.hasAuxiliary());
        ArrayNode scales = head.putArray("poolScales");
        for (int p : s.poolScales()) scales.add(p);
        SegmentationMode m = predictor.mode();
        ObjectNode mode = body.putObject("mode");
        mode.put("kind", m.kind().name().toLowerCase(Locale.ROOT)).put("flip", m.flip());
        if (m.kind() == SegmentationMode.Kind.SLIDE) {
            mode.putArray("crop").add(m.cropHeight()).add(m.cropWidth());
            mode.putArray("stride").add(m.strideHeight()).add(m.strideWidth());
        }
        ObjectNode preset = body.putObject("preset");
        preset.put("name", predictor.preset().name());
        int[] scale = predictor.preset().scale();
        if (scale != null) preset.putArray("scale").add(scale[0]).add(scale[1]);
        ArrayNode classes = body.putArray("classes");
        for (String n : predictor.classNames()) classes.add(n);
        ArrayNode palette = body.putArray("palette");
        for (int i = 0; i < s.numClasses(); i++) palette.add(predictor.palette().hex(i));
        options.describe(body.putObject("serving"));
        return json(ex, 200, body);
    }

    /** The classifier routes on a segmentation model. */
    int notAClassifier(Exchange ex) {
        throw new HttpError(400, "not_a_classifier", "the model is a segmentation model (UPerNet, "
                + predictor.config().numClasses() + " classes): " + ex.path() + " needs a classifier; use POST /v1/segment");
    }
}
