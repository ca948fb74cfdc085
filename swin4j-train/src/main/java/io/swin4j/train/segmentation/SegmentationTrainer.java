package io.swin4j.train.segmentation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.model.SegmentationConfig;
import io.swin4j.model.SegmentationLoss;
import io.swin4j.model.SegmentationMode;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinSegmenter;
import io.swin4j.tensor.HostTensor;
import io.swin4j.train.Charts;
import io.swin4j.train.PolySchedule;
import io.swin4j.train.RunDirectory;
import io.swin4j.train.SwinOptimizer;
import io.swin4j.train.Trainer;
import io.swin4j.train.data.DataLoader;
import io.swin4j.train.data.SegmentationClassFile;
import io.swin4j.train.data.SegmentationFolder;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.SegmentationPreset;
import io.swin4j.weights.LoadOptions;
import io.swin4j.weights.SwinWeights;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * mmseg's iteration-based training of UPerNet on a Swin backbone ({@link SegmentationTrainConfig}; the ADE20K recipe
 * by default): each iteration a batch of {@link SegmentationTrainTransform}ed crops, the model's loss (cross-entropy
 * with 255 ignored + 0.4 auxiliary), AdamW with the recipe's no-decay set at the {@link PolySchedule} rate of that
 * iteration; evaluation ({@link SegmentationEvaluator}, mIoU) every {@code evalInterval} iterations; the run directory,
 * metrics logs, atomic checkpoints and divergence stop of {@link RunDirectory}, shared with {@link Trainer}.
 *
 * <p>Run directory: {@code train-config.json}, {@code metrics.jsonl} (a "train" record every {@code logInterval}
 * iterations, an "eval" record per evaluation with per-class IoU), {@code metrics.csv} (evaluations),
 * {@code curves.png}, {@code model.safetensors} (latest), {@code best.safetensors} (best mIoU),
 * {@code checkpoints/iterNNNNNNNN/} (model with BatchNorm statistics, optimizer, loop state).
 *
 * <p>Determinism: the data order and each sample's augmentation are seeded by (seed, epoch, sample), each
 * iteration's dropout and stochastic depth by (seed, iteration); a resumed run repeats what an uninterrupted one does.
 */
public final class SegmentationTrainer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Progress callbacks, on the training thread. */
    public interface Listener {
        default void started(SegmentationTrainer trainer) {}
        default void step(StepInfo step) {}
        default void evaluated(long iteration, SegmentationEvalReport report) {}
        default void message(String message) {}
    }

    /** One iteration done. {@code imagesPerSecond}: over this process's iterations so far. */
    public record StepInfo(long iteration, long iterations, double loss, double lr, double imagesPerSecond) {}

    /** What the loop needs to continue exactly; {@code state.json} of each checkpoint. */
    static final class LoopState {
        public long iteration;
        public double bestMIoU = -1;
        public long bestIteration = -1;
        public double logLossSum, logDecodeSum, logAuxSum;
        public int logCount, failures;
        public double seconds;
        public long samples;
        public long metricsJsonlBytes, metricsCsvBytes;
    }

    private final SegmentationTrainConfig cfg;
    private final RunDirectory run;
    private final Listener listener;
    private final List<String> classes;
    private final int[][] palette;
    private final SegmentationFolder trainSet, valSet;
    private final SegmentationConfig modelConfig;
    private final SwinSegmenter model;
    private final SwinOptimizer optimizer;
    private final PolySchedule schedule;
    private final SegmentationLoader loader;
    private final SegmentationPreset testPreset;
    private final SegmentationMode evalMode;
    private final LoopState state;
    private final List<double[]> logged = new ArrayList<>(), evals = new ArrayList<>();
    private volatile boolean stopRequested;

    private SegmentationTrainer(SegmentationTrainConfig cfg, Path runDir, Listener listener, LoopState resumeState,
                                Path resumeCheckpoint) throws IOException {
        this.cfg = cfg;
        this.run = new RunDirectory(runDir);
        this.listener = listener;
        NativeTorch.ensureLoaded();
        if (cfg.threads > 0) torch.set_num_threads(cfg.threads);
        Path data = Path.of(cfg.data);
        classes = SegmentationClassFile.of(data, cfg.numClasses);
        io.swin4j.vision.Palette voc = io.swin4j.vision.Palette.voc(classes.size());
        palette = new int[classes.size()][];
        for (int i = 0; i < palette.length; i++) palette[i] = voc.rgb(i);
        ImageDecoder decoder = new ImageDecoder();
        trainSet = new SegmentationFolder(data, "train", classes.size(), decoder);
        valSet = new SegmentationFolder(data, "val", classes.size(), decoder);

        Map<String, HostTensor> initial = null;
        SegmentationConfig mc;
        if (resumeCheckpoint != null) {
            SegmentationModelFile.Contents saved = SegmentationModelFile.load(resumeCheckpoint.resolve(RunDirectory.MODEL));
            mc = saved.config();
            initial = saved.tensors();
        } else if (cfg.init != null) {
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            mc = initFrom(Path.of(cfg.init), tensors);
            initial = tensors;
        } else {
            mc = cfg.segmentationConfig(cfg.backbone(), classes.size());
        }
        modelConfig = mc;
        model = initial == null ? SwinSegmenter.create(mc, cfg.seed) : SwinSegmenter.fromWeights(mc, initial, true, cfg.seed);
        model.parameters().requireGrad(true);
        Set<String> noDecay = model.noWeightDecay();
        optimizer = new SwinOptimizer(model.parameters().trainable(), noDecay::contains, cfg.lr, cfg.weightDecay);
        schedule = new PolySchedule(cfg.lr, cfg.iterations, cfg.power, cfg.minLr, cfg.warmupIters, cfg.warmupRatio);
        loader = new SegmentationLoader(trainSet, cfg.trainLimit, cfg.trainTransform(), cfg.batchSize, cfg.seed, cfg.workers);
        testPreset = SegmentationModelFile.preset(cfg.testResizeScale(), cfg.mean, cfg.std);
        evalMode = cfg.evalSegmentationMode();
        if (resumeCheckpoint != null) {
            optimizer.load(resumeCheckpoint.resolve("optimizer.pt"));
            state = resumeState;
            run.truncate(RunDirectory.METRICS_JSONL, state.metricsJsonlBytes);
            run.truncate(RunDirectory.METRICS_CSV, state.metricsCsvBytes);
            for (JsonNode n : run.readJsonl("train")) {
                logged.add(new double[] {n.get("iteration").asDouble(), n.get("loss").asDouble(), n.get("lr").asDouble()});
            }
            for (JsonNode n : run.readJsonl("eval")) {
                evals.add(new double[] {n.get("iteration").asDouble(), n.get("mIoU").asDouble(), n.get("aAcc").asDouble()});
            }
        } else {
            state = new LoopState();
        }
    }

    /**
     * The model config and starting tensors from {@code file}: a swin4j segmentation model (its heads' classifiers
     * dropped when the class count differs), else any classifier checkpoint swin4j reads, whose backbone starts
     * this one (heads and output norms new).
     */
    private SegmentationConfig initFrom(Path file, Map<String, HostTensor> out) throws IOException {
        SegmentationModelFile.Contents seg = null;
        try {
            seg = SegmentationModelFile.load(file);
        } catch (IllegalArgumentException | IOException notSegmentation) {
            // a classifier (or a file the classifier loader explains)
        }
        if (seg != null) {
            SwinConfig backbone = seg.config().backbone().toBuilder().optDropPathRate(cfg.dropPath).build();
            SegmentationConfig mc = cfg.segmentationConfig(backbone, classes.size());
            out.putAll(seg.tensors());
            if (seg.config().numClasses() != classes.size()) {
                out.keySet().removeIf(k -> k.contains("conv_seg."));
                message("init " + file + ": its heads have " + seg.config().numClasses() + " classes, the data " + classes.size()
                        + ": new conv_seg layers");
            }
            return mc;
        }
        SwinWeights w = SwinWeights.load(file, LoadOptions.defaults().optStrict(false));
        if (!w.report().isClean()) message("init " + file + ": " + w.report());
        SwinConfig backbone = w.config().toBuilder().optDropPathRate(cfg.dropPath)
                .optSizeRule(io.swin4j.geometry.SizeRule.PADDED).build();
        SegmentationConfig mc = cfg.segmentationConfig(backbone, classes.size());
        Set<String> wanted = SwinSegmenter.parameterShapes(mc).keySet();
        int used = 0;
        for (Map.Entry<String, HostTensor> e : w.tensors().entrySet()) {
            String k = "backbone." + e.getKey();
            if (wanted.contains(k)) {
                out.put(k, e.getValue());
                used++;
            }
        }
        message("init " + file + ": a classifier; its backbone (" + used + " tensors) starts the segmenter, heads and output norms new");
        return mc;
    }

    /** A new run in {@code runDir} (created; it must not already hold a run). */
    public static SegmentationTrainer start(SegmentationTrainConfig cfg, Path runDir, Listener listener) throws IOException {
        cfg.validate();
        if (Files.exists(runDir.resolve(RunDirectory.CONFIG_FILE))) {
            throw new IllegalArgumentException(runDir + " already holds a run (" + RunDirectory.CONFIG_FILE + "); resume it with --resume "
                    + runDir + " or choose another --output");
        }
        SegmentationTrainer t = new SegmentationTrainer(cfg, runDir, listener, null, null);
        try {
            Files.createDirectories(runDir);
            cfg.write(runDir.resolve(RunDirectory.CONFIG_FILE));
        } catch (IOException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** Continues the run in {@code runDir} from its latest checkpoint, with its saved settings. */
    public static SegmentationTrainer resume(Path runDir, Listener listener) throws IOException {
        Path configFile = runDir.resolve(RunDirectory.CONFIG_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new NoSuchFileException(configFile.toString(), null, "not a run directory (no " + RunDirectory.CONFIG_FILE + ")");
        }
        SegmentationTrainConfig cfg = SegmentationTrainConfig.read(configFile).validate();
        Path ckpt = new RunDirectory(runDir).latestCheckpoint();
        if (ckpt == null) {
            throw new NoSuchFileException(runDir.resolve(RunDirectory.CHECKPOINTS).resolve(RunDirectory.LATEST).toString(), null,
                    "the run has no checkpoint yet");
        }
        if (!Files.isRegularFile(ckpt.resolve(RunDirectory.STATE))) {
            throw new NoSuchFileException(ckpt.resolve(RunDirectory.STATE).toString(), null, "the checkpoint that latest.json names is incomplete");
        }
        LoopState st = JSON.readValue(ckpt.resolve(RunDirectory.STATE).toFile(), LoopState.class);
        return new SegmentationTrainer(cfg, runDir, listener, st, ckpt);
    }

    public SegmentationTrainConfig config() { return cfg; }

    public SegmentationConfig modelConfig() { return modelConfig; }

    public SwinSegmenter model() { return model; }

    public List<String> classNames() { return classes; }

    public int trainSamples() { return loader.size(); }

    public int valSamples() { return cfg.valLimit > 0 ? Math.min(cfg.valLimit, valSet.size()) : valSet.size(); }

    public long completedIterations() { return state.iteration; }

    /** The best validation mIoU so far and its iteration (−1 before any evaluation). */
    public double bestMeanIou() { return state.bestMIoU; }

    /** Asks the loop to checkpoint and return after the current iteration (Ctrl-C, SIGTERM); safe from any thread. */
    public void requestStop() {
        stopRequested = true;
    }

    private void message(String m) {
        if (listener != null) listener.message(m);
    }

    /** Trains until the last iteration or a stop request; a NaN/inf loss throws {@link Trainer.DivergedException}. */
    public Trainer.Outcome run() throws IOException {
        if (listener != null) listener.started(this);
        int perEpoch = loader.batchesPerEpoch();
        long processStart = System.nanoTime(), processSamples = 0;
        double secondsBefore = state.seconds;
        while (state.iteration < cfg.iterations) {
            int epoch = (int) (state.iteration / perEpoch);
            Iterator<SegmentationLoader.Batch> it = loader.epoch(epoch, (int) (state.iteration % perEpoch));
            while (it.hasNext() && state.iteration < cfg.iterations) {
                SegmentationLoader.Batch b = it.next();
                double loss = step(b);
                processSamples += b.size();
                state.seconds = secondsBefore + (System.nanoTime() - processStart) / 1e9;
                if (listener != null) {
                    listener.step(new StepInfo(state.iteration, cfg.iterations, loss, schedule.lr(state.iteration - 1),
                            processSamples / Math.max(1e-9, (System.nanoTime() - processStart) / 1e9)));
                }
                long i = state.iteration;
                boolean last = i == cfg.iterations;
                if (i % cfg.logInterval == 0 || last) log();
                boolean evaluate = i % cfg.evalInterval == 0 || last;
                if (evaluate) evaluate();
                if (evaluate || i % cfg.checkpointInterval == 0) {
                    saveCheckpoint();
                } else if (stopRequested) {
                    saveCheckpoint();
                }
                if (stopRequested && !last) {
                    message("stopped at iteration " + i + "/" + cfg.iterations + "; checkpoint saved in " + run.dir());
                    return Trainer.Outcome.STOPPED;
                }
            }
        }
        return Trainer.Outcome.COMPLETED;
    }

    /** One iteration; returns its loss. */
    private double step(SegmentationLoader.Batch b) throws IOException {
        for (String f : b.failures()) message("skipped " + f);
        state.failures += b.failures().size();
        long iteration = state.iteration++;
        if (b.size() < 2) {
            message("iteration " + (iteration + 1) + ": fewer than two readable samples in the batch; skipped");
            return Double.NaN;
        }
        double lr = schedule.lr(iteration);
        double total, decode, aux;
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(DataLoader.mix(cfg.seed, iteration, 7));
            Tensor x = Tensors.fromFloats(b.images(), b.size(), 3, b.height(), b.width());
            Tensor y = Tensors.fromInts(b.labels(), b.size(), b.height(), b.width());
            model.train(true);
            optimizer.setLr(lr);
            optimizer.zeroGrad();
            try (SegmentationLoss loss = model.loss(x, y)) {
                total = loss.value();
                if (!Double.isFinite(total)) {
                    run.checkFinite(total, "iteration " + (iteration + 1), run.latestCheckpoint() != null, "Try a lower lr or clipGrad.");
                }
                decode = loss.decode().item_float();
                aux = loss.auxiliary() == null ? 0 : loss.auxiliary().item_float();
                loss.total().backward();
            }
            if (cfg.clipGrad > 0) optimizer.clipGradNorm(cfg.clipGrad);
            optimizer.step();
        }
        state.logLossSum += total;
        state.logDecodeSum += decode;
        state.logAuxSum += aux;
        state.logCount++;
        state.samples += b.size();
        return total;
    }

    private void log() throws IOException {
        if (state.logCount == 0) return;
        double lr = schedule.lr(state.iteration - 1);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "train");
        line.put("iteration", state.iteration);
        line.put("loss", state.logLossSum / state.logCount);
        line.put("decodeLoss", state.logDecodeSum / state.logCount);
        line.put("auxLoss", state.logAuxSum / state.logCount);
        line.put("lr", lr);
        line.put("samples", state.samples);
        line.put("seconds", state.seconds);
        run.appendJsonl(line);
        logged.add(new double[] {state.iteration, state.logLossSum / state.logCount, lr});
        state.logLossSum = state.logDecodeSum = state.logAuxSum = 0;
        state.logCount = 0;
    }

    private void evaluate() throws IOException {
        SegmentationEvalReport r = SegmentationEvaluator.evaluate(model, valSet, cfg.valLimit, testPreset, evalMode, classes,
                cfg.workers, null);
        for (String f : r.failures()) message("validation: skipped " + f);
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "eval");
        line.put("iteration", state.iteration);
        line.put("mIoU", r.meanIou());
        line.put("mAcc", r.metrics().meanAccuracy());
        line.put("aAcc", r.metrics().pixelAccuracy());
        Map<String, Object> iou = new LinkedHashMap<>();
        double[] perClass = r.metrics().iou();
        for (int c = 0; c < classes.size(); c++) iou.put(classes.get(c), Double.isNaN(perClass[c]) ? null : perClass[c]);
        line.put("IoU", iou);
        line.put("images", r.images());
        line.put("failed", r.failures().size());
        run.appendJsonl(line);
        run.appendCsv("iteration,train_loss,lr,mIoU,mAcc,aAcc,seconds,images_per_second,failed_samples",
                String.join(",", String.valueOf(state.iteration), RunDirectory.csvNumber(logged.isEmpty() ? Double.NaN : logged.get(logged.size() - 1)[1]),
                        RunDirectory.csvNumber(schedule.lr(state.iteration - 1)), RunDirectory.csvNumber(r.meanIou()),
                        RunDirectory.csvNumber(r.metrics().meanAccuracy()), RunDirectory.csvNumber(r.metrics().pixelAccuracy()),
                        RunDirectory.csvNumber(state.seconds), RunDirectory.csvNumber(state.samples / Math.max(1e-9, state.seconds)),
                        String.valueOf(state.failures)));
        evals.add(new double[] {state.iteration, r.meanIou(), r.metrics().pixelAccuracy()});
        if (r.meanIou() > state.bestMIoU) {
            state.bestMIoU = r.meanIou();
            state.bestIteration = state.iteration;
            saveModel(run.resolve(RunDirectory.BEST));
        }
        Charts.writeSegmentationCurves(run.resolve(RunDirectory.CURVES), logged, evals);
        if (listener != null) listener.evaluated(state.iteration, r);
    }

    /** Model weights with the card that makes them self-describing (config, classes, palette, preprocessing). */
    private void saveModel(Path file) throws IOException {
        SegmentationModelFile.save(file, new SegmentationModelFile.Contents(modelConfig, classes, palette, evalMode, testPreset,
                model.parameters().toHost()), "F32");
    }

    private void saveCheckpoint() throws IOException {
        run.saveCheckpoint(String.format("iter%08d", state.iteration), tmp -> {
            saveModel(tmp.resolve(RunDirectory.MODEL));
            optimizer.save(tmp.resolve("optimizer.pt"));
            state.metricsJsonlBytes = run.syncedSize(RunDirectory.METRICS_JSONL);
            state.metricsCsvBytes = run.syncedSize(RunDirectory.METRICS_CSV);
            JSON.writeValue(tmp.resolve(RunDirectory.STATE).toFile(), state);
        });
        saveModel(run.resolve(RunDirectory.MODEL));
    }

    @Override
    public void close() {
        loader.close();
        optimizer.close();
        model.close();
    }
}
