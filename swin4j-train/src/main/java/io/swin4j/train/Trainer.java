package io.swin4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swin4j.engine.NativeTorch;
import io.swin4j.engine.Tensors;
import io.swin4j.model.SwinConfig;
import io.swin4j.model.SwinOutput;
import io.swin4j.model.SwinTransformer;
import io.swin4j.train.augment.RandAugment;
import io.swin4j.train.augment.RandomErasing;
import io.swin4j.train.augment.RandomResizedCrop;
import io.swin4j.train.augment.TrainTransform;
import io.swin4j.train.data.DataLoader;
import io.swin4j.train.data.Datasets;
import io.swin4j.train.data.LabeledDataset;
import io.swin4j.vision.EvalPreset;
import io.swin4j.vision.ImageDecoder;
import io.swin4j.vision.PillowResize;
import io.swin4j.tensor.HostTensor;
import io.swin4j.weights.LoadOptions;
import io.swin4j.weights.ModelCard;
import io.swin4j.weights.SwinWeights;
import io.swin4j.weights.io.Safetensors;
import io.swin4j.weights.layout.Layout;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
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
import java.util.SplittableRandom;

/**
 * The official training loop on libtorch: AdamW with the no-decay groups, per-iteration cosine schedule with
 * warm-up, gradient accumulation and clipping, Mixup/CutMix or label smoothing, optional model EMA; evaluation,
 * metrics, curves and atomic checkpoints in a run directory; exact resume.
 *
 * <p>Run directory: {@code train-config.json} (the settings), {@code metrics.jsonl} and {@code metrics.csv},
 * {@code curves.png}, {@code model.safetensors} (latest weights, loadable everywhere), {@code best.safetensors}
 * (best validation top-1), {@code checkpoints/<name>/} (model, optimizer, EMA and loop state) with
 * {@code checkpoints/latest.json} naming the current one.
 *
 * <p>Determinism: the data order, each sample's augmentation, each step's Mixup draw and each step's libtorch RNG
 * (dropout, stochastic depth) are seeded from (seed, epoch, sample) or (seed, step), so a resumed run repeats
 * exactly what an uninterrupted one does.
 */
public final class Trainer implements AutoCloseable {

    public static final String CONFIG_FILE = RunDirectory.CONFIG_FILE, METRICS_JSONL = RunDirectory.METRICS_JSONL,
            METRICS_CSV = RunDirectory.METRICS_CSV, CURVES = RunDirectory.CURVES, MODEL = RunDirectory.MODEL,
            BEST = RunDirectory.BEST, CHECKPOINTS = RunDirectory.CHECKPOINTS, LATEST = RunDirectory.LATEST;
    private static final ObjectMapper JSON = new ObjectMapper();
    static final float[] FASHION_MNIST_MEAN = {0.2860f, 0.2860f, 0.2860f}, FASHION_MNIST_STD = {0.3530f, 0.3530f, 0.3530f};

    /** Progress callbacks, on the training thread. */
    public interface Listener {
        default void started(Trainer trainer) {}
        default void step(StepInfo step) {}
        default void epoch(TrainHistory.Epoch epoch) {}
        default void message(String message) {}
    }

    /** One optimizer-visible step (a batch). {@code imagesPerSecond}: over the current epoch so far. */
    public record StepInfo(int epoch, int epochs, int batch, int batchesPerEpoch, long optimizerStep, double loss,
                           double lr, double imagesPerSecond) {}

    public enum Outcome { COMPLETED, STOPPED }

    /** A loss became NaN or infinite; the run stopped and the last good checkpoint is kept. */
    public static final class DivergedException extends RuntimeException {
        DivergedException(String message) {
            super(message);
        }
    }

    private final TrainConfig cfg;
    private final Path runDir;
    private final RunDirectory run;
    private final Listener listener;
    private final LabeledDataset trainSet, valSet;
    private final SwinConfig modelConfig;
    private final EvalPreset evalPreset;
    private final SwinTransformer model;
    private SwinTransformer ema;
    private final Map<String, Tensor> trainable = new LinkedHashMap<>();
    private final SwinOptimizer optimizer;
    private final CosineSchedule schedule;
    private final Mixup mixup;
    private final DataLoader trainLoader, valLoader;
    private final int stepsPerEpoch;
    private volatile boolean stopRequested;

    // Loop state (saved in checkpoints).
    private final LoopState state;
    private final List<double[]> stepLosses = new ArrayList<>();

    /** Everything the loop needs to continue exactly; written to {@code state.json} in each checkpoint. */
    static final class LoopState {
        public int epoch, batch;
        public long optimizerStep, microStep;
        public double bestTop1 = -1;
        public int bestEpoch = -1;
        public double epochLossSum, epochSeconds;
        public long epochCorrect, epochSamples;
        public int epochFailures;
        public long metricsJsonlBytes, metricsCsvBytes;
        public List<TrainHistory.Epoch> history = new ArrayList<>();
    }

    private Trainer(TrainConfig cfg, Path runDir, Listener listener, LoopState resumeState, Path resumeCheckpoint) throws IOException {
        this.cfg = cfg;
        this.runDir = runDir;
        this.run = new RunDirectory(runDir);
        this.listener = listener;
        NativeTorch.ensureLoaded();
        if (cfg.threads > 0) torch.set_num_threads(cfg.threads);
        boolean fashion = cfg.dataset.equals("fashion-mnist");
        Path data = cfg.data == null ? null : Path.of(cfg.data);
        ImageDecoder decoder = new ImageDecoder();
        LabeledDataset train = Datasets.open(cfg.dataset, data, "train", null, decoder);
        trainSet = train.limit(cfg.trainLimit);
        valSet = Datasets.open(cfg.dataset, data, "val", train.classNames(), decoder).limit(cfg.valLimit);
        int classes = trainSet.classNames().size();
        float[] mean = cfg.mean != null ? cfg.mean : fashion ? FASHION_MNIST_MEAN : EvalPreset.IMAGENET_MEAN;
        float[] std = cfg.std != null ? cfg.std : fashion ? FASHION_MNIST_STD : EvalPreset.IMAGENET_STD;

        Map<String, HostTensor> initial = null;
        SwinConfig arch;
        if (resumeCheckpoint != null) {
            SwinWeights w = SwinWeights.load(resumeCheckpoint.resolve(MODEL));
            arch = w.config();
            initial = w.tensors();
        } else if (cfg.init != null) {
            SwinWeights w = SwinWeights.load(Path.of(cfg.init), LoadOptions.defaults().optStrict(false));
            if (!w.report().isClean()) message("init " + cfg.init + ": " + w.report());
            arch = cfg.withAttention(w.config().toBuilder().optNumClasses(classes).optDropPathRate(cfg.dropPath).build());
            if (arch.attention().hasGate() && !w.config().attention().hasGate()) {
                message("init " + cfg.init + ": no attention gates; new gates initialised (" + arch.attention() + ")");
            }
            initial = new LinkedHashMap<>(w.tensors());
            if (w.config().numClasses() != classes) {
                initial.remove("head.weight");
                initial.remove("head.bias");
                message("init " + cfg.init + ": its head has " + w.config().numClasses() + " classes, the data " + classes
                        + ": the old head is dropped and a new one initialised");
            }
        } else {
            arch = cfg.withAttention(cfg.architecture().toBuilder().optNumClasses(classes).optDropPathRate(cfg.dropPath).build());
        }
        modelConfig = arch;
        int img = arch.imgSize();
        evalPreset = fashion || img == 28
                ? new EvalPreset("squash_" + img, 0, new int[] {img, img}, null, PillowResize.Filter.BICUBIC, mean, std)
                : new EvalPreset("official_" + img, (int) (256.0 / 224 * img), null, new int[] {img, img}, PillowResize.Filter.BICUBIC, mean, std);
        model = initial == null ? SwinTransformer.create(arch, cfg.seed) : SwinTransformer.fromWeights(arch, initial, true, cfg.seed);
        model.parameters().requireGrad(true);
        Map<String, Integer> groups = model.parameterGroups();
        for (Map.Entry<String, Tensor> e : model.parameters().asMap().entrySet()) {
            // Group 0 is the stem, group i+1 stage i: freezing k stages freezes groups 0..k.
            if (cfg.freezeStages > 0 && groups.get(e.getKey()) <= cfg.freezeStages) e.getValue().requires_grad_(false);
            else trainable.put(e.getKey(), e.getValue());
        }
        if (cfg.freezeStages > 0) {
            message("frozen: patch embedding and stages 0.." + (cfg.freezeStages - 1) + " ("
                    + (model.parameters().asMap().size() - trainable.size()) + " tensors); training " + trainable.size());
        }
        if (cfg.ema) {
            Map<String, HostTensor> emaInit = resumeCheckpoint != null && Files.exists(resumeCheckpoint.resolve("ema.safetensors"))
                    ? Safetensors.read(resumeCheckpoint.resolve("ema.safetensors")).tensors() : model.parameters().toHost();
            ema = SwinTransformer.fromWeights(arch, emaInit);
        }

        RandAugment ra = RandAugment.parse(cfg.randAugment, fill(mean));
        TrainTransform tt = new TrainTransform(img, new RandomResizedCrop(img, cfg.scaleMin, cfg.scaleMax, cfg.ratioMin, cfg.ratioMax,
                PillowResize.Filter.BICUBIC), cfg.hflip, ra, mean, std, cfg.reprob > 0 ? new RandomErasing(cfg.reprob) : null);
        int sampleFloats = 3 * img * img;
        trainLoader = new DataLoader(trainSet, tt::apply, sampleFloats, cfg.batchSize, true, true, cfg.seed, cfg.workers);
        EvalPreset ep = evalPreset;
        valLoader = new DataLoader(valSet, (image, rng) -> ep.apply(image), sampleFloats, Math.max(cfg.batchSize, 64), false, false,
                cfg.seed, cfg.workers);
        stepsPerEpoch = trainLoader.batchesPerEpoch() / cfg.accumulationSteps;
        if (stepsPerEpoch < 1) {
            throw new IllegalArgumentException("an epoch has " + trainLoader.batchesPerEpoch() + " batches, fewer than accumulationSteps "
                    + cfg.accumulationSteps);
        }
        double lrScale = (double) cfg.batchSize * cfg.accumulationSteps / 512.0;
        schedule = new CosineSchedule(cfg.baseLr * lrScale, cfg.minLr * lrScale, cfg.warmupLr * lrScale,
                cfg.warmupEpochs * stepsPerEpoch, (cfg.epochs - cfg.warmupEpochs) * stepsPerEpoch);
        optimizer = new SwinOptimizer(model.parameters(), trainable.keySet(), schedule.lr(0), cfg.weightDecay);
        mixup = cfg.mixupEnabled() ? new Mixup(cfg.mixup, cfg.cutmix, cfg.mixupProb, cfg.mixupSwitchProb, cfg.labelSmoothing, classes) : null;
        if (resumeCheckpoint != null) {
            optimizer.load(resumeCheckpoint.resolve("optimizer.pt"));
            state = resumeState;
            run.truncate(METRICS_JSONL, state.metricsJsonlBytes);
            run.truncate(METRICS_CSV, state.metricsCsvBytes);
            reloadStepLosses();
        } else {
            state = new LoopState();
        }
    }

    private static int[] fill(float[] mean) {
        int[] f = new int[3];
        for (int c = 0; c < 3; c++) f[c] = Math.min(255, Math.round(255 * mean[c]));
        return f;
    }

    /** A new run in {@code runDir} (created; it must not already hold a run). */
    public static Trainer start(TrainConfig cfg, Path runDir, Listener listener) throws IOException {
        cfg.validate();
        if (Files.exists(runDir.resolve(CONFIG_FILE))) {
            throw new IllegalArgumentException(runDir + " already holds a run (" + CONFIG_FILE + "); resume it with --resume "
                    + runDir + " or choose another --output");
        }
        // Build first (datasets, model, init checkpoint): a refused run leaves no directory behind.
        Trainer t = new Trainer(cfg, runDir, listener, null, null);
        try {
            Files.createDirectories(runDir);
            cfg.write(runDir.resolve(CONFIG_FILE));
        } catch (IOException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** Continues the run in {@code runDir} from its latest checkpoint, with its saved settings. */
    public static Trainer resume(Path runDir, Listener listener) throws IOException {
        Path configFile = runDir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(configFile)) throw new NoSuchFileException(configFile.toString(), null, "not a run directory (no " + CONFIG_FILE + ")");
        TrainConfig cfg = TrainConfig.read(configFile).validate();
        Path ckpt = new RunDirectory(runDir).latestCheckpoint();
        if (ckpt == null) {
            throw new NoSuchFileException(runDir.resolve(CHECKPOINTS).resolve(LATEST).toString(), null, "the run has no checkpoint yet");
        }
        if (!Files.isRegularFile(ckpt.resolve("state.json"))) {
            throw new NoSuchFileException(ckpt.resolve("state.json").toString(), null, "the checkpoint that " + LATEST + " names is incomplete");
        }
        LoopState st = JSON.readValue(ckpt.resolve("state.json").toFile(), LoopState.class);
        return new Trainer(cfg, runDir, listener, st, ckpt);
    }

    public TrainConfig config() { return cfg; }

    public SwinConfig modelConfig() { return modelConfig; }

    public SwinTransformer model() { return model; }

    public EvalPreset evalPreset() { return evalPreset; }

    public List<String> classNames() { return trainSet.classNames(); }

    public int trainSamples() { return trainSet.size(); }

    public int valSamples() { return valSet.size(); }

    public int batchesPerEpoch() { return trainLoader.batchesPerEpoch(); }

    public int completedEpochs() { return state.epoch; }

    public List<TrainHistory.Epoch> history() { return List.copyOf(state.history); }

    /** Asks the loop to checkpoint and return after the current step (Ctrl-C, SIGTERM); safe from any thread. */
    public void requestStop() {
        stopRequested = true;
    }

    private void message(String m) {
        if (listener != null) listener.message(m);
    }

    /** Trains until the last epoch or a stop request; a NaN/inf loss throws {@link DivergedException}. */
    public Outcome run() throws IOException {
        if (listener != null) listener.started(this);
        int batches = trainLoader.batchesPerEpoch();
        while (state.epoch < cfg.epochs) {
            int epoch = state.epoch;
            long epochStart = System.nanoTime();
            double secondsBefore = state.epochSeconds;
            Iterator<DataLoader.Batch> it = trainLoader.epoch(epoch, state.batch);
            if (state.batch % cfg.accumulationSteps == 0) optimizer.zeroGrad();
            while (it.hasNext()) {
                DataLoader.Batch b = it.next();
                trainStep(b);
                state.batch = b.index() + 1;
                state.epochSeconds = secondsBefore + (System.nanoTime() - epochStart) / 1e9;
                if (listener != null) {
                    listener.step(new StepInfo(epoch, cfg.epochs, b.index(), batches, state.optimizerStep,
                            stepLosses.isEmpty() ? Double.NaN : stepLosses.get(stepLosses.size() - 1)[1], currentLr(),
                            state.epochSamples / Math.max(1e-9, state.epochSeconds)));
                }
                if (stopRequested && state.batch < batches && state.batch % cfg.accumulationSteps == 0) {
                    saveCheckpoint();
                    message("stopped at epoch " + (epoch + 1) + ", batch " + state.batch + "/" + batches + "; checkpoint saved in " + runDir);
                    return Outcome.STOPPED;
                }
            }
            finishEpoch(epoch);
            if (stopRequested && state.epoch < cfg.epochs) {
                message("stopped after epoch " + state.epoch + "; checkpoint saved in " + runDir);
                return Outcome.STOPPED;
            }
        }
        return Outcome.COMPLETED;
    }

    private double currentLr() {
        return schedule.lr(Math.max(0, state.optimizerStep - 1));
    }

    private void trainStep(DataLoader.Batch b) throws IOException {
        for (String f : b.failures()) message("skipped " + f);
        state.epochFailures += b.failures().size();
        int n = b.size();
        if (mixup != null && n % 2 == 1) n--; // batch-mode Mixup pairs samples with the reversed batch
        long micro = state.microStep++;
        if (n == 0) return;
        int img = modelConfig.imgSize();
        double lossValue;
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(DataLoader.mix(cfg.seed, micro, 7));
            Tensor x = Tensors.fromFloats(n == b.size() ? b.images() : java.util.Arrays.copyOf(b.images(), n * 3 * img * img), n, 3, img, img);
            int[] labels = n == b.size() ? b.labels() : java.util.Arrays.copyOf(b.labels(), n);
            Tensor y = Tensors.fromInts(labels, n);
            Tensor targets = null;
            if (mixup != null) {
                Mixup.Params p = mixup.sample(new SplittableRandom(DataLoader.mix(cfg.seed, micro, 11)), img, img);
                Mixup.applyToImages(x, p);
                targets = mixup.targets(y, p.lam());
            }
            model.train(true);
            try (SwinOutput out = model.forward(x)) {
                Tensor loss = targets != null ? Mixup.softTargetCrossEntropy(out.logits(), targets)
                        : Losses.crossEntropy(out.logits(), y, cfg.labelSmoothing);
                lossValue = loss.item().toDouble();
                run.checkFinite(lossValue, "epoch " + (state.epoch + 1) + ", batch " + (b.index() + 1) + " (optimizer step "
                        + state.optimizerStep + ")", !(state.history.isEmpty() && state.optimizerStep < stepsPerEpoch),
                        "Try a lower baseLr or clipGrad.");
                (cfg.accumulationSteps > 1 ? loss.div(new Scalar((double) cfg.accumulationSteps)) : loss).backward();
                float[] logits = Tensors.toFloats(out.logits().detach());
                int k = modelConfig.numClasses();
                for (int i = 0; i < n; i++) if (Evaluator.argmax(logits, i * k, k) == labels[i]) state.epochCorrect++;
            }
            if ((b.index() + 1) % cfg.accumulationSteps == 0) {
                if (cfg.clipGrad > 0) optimizer.clipGradNorm(cfg.clipGrad);
                optimizer.setLr(currentLr());
                optimizer.step();
                optimizer.zeroGrad();
                state.optimizerStep++;
                if (ema != null) updateEma();
            }
        }
        state.epochLossSum += lossValue * n;
        state.epochSamples += n;
        stepLosses.add(new double[] {state.epoch + (b.index() + 1.0) / trainLoader.batchesPerEpoch(), lossValue, currentLr()});
        // In this key order every time (Map.of's order differs from one JVM to the next): a run resumed in
        // another process logs the same bytes as an uninterrupted one.
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "step");
        line.put("epoch", state.epoch + 1);
        line.put("batch", b.index() + 1);
        line.put("optimizerStep", state.optimizerStep);
        line.put("loss", lossValue);
        line.put("lr", currentLr());
        run.appendJsonl(line);
    }

    /** timm ModelEmaV2: ema = decay·ema + (1 − decay)·model, after each optimizer step. */
    private void updateEma() {
        try (NoGradGuard ng = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            Map<String, Tensor> m = model.parameters().asMap();
            for (Map.Entry<String, Tensor> e : ema.parameters().asMap().entrySet()) {
                e.getValue().mul_(new Scalar(cfg.emaDecay)).add_(m.get(e.getKey()), new Scalar(1 - cfg.emaDecay));
            }
        }
    }

    private void finishEpoch(int epoch) throws IOException {
        boolean evaluate = (epoch + 1) % cfg.evalEvery == 0 || epoch + 1 == cfg.epochs;
        EvalReport val = evaluate ? Evaluator.evaluate(model, valLoader, valSet.classNames()) : null;
        EvalReport emaVal = evaluate && ema != null ? Evaluator.evaluate(ema, valLoader, valSet.classNames()) : null;
        double seconds = state.epochSeconds;
        TrainHistory.Epoch e = new TrainHistory.Epoch(epoch, state.optimizerStep, state.epochLossSum / Math.max(1, state.epochSamples),
                (double) state.epochCorrect / Math.max(1, state.epochSamples), val == null ? Double.NaN : val.loss(),
                val == null ? Double.NaN : val.top1(), val == null ? Double.NaN : val.top5(),
                emaVal == null ? Double.NaN : emaVal.top1(), currentLr(), seconds, state.epochSamples / Math.max(1e-9, seconds),
                state.epochFailures);
        state.history.add(e);
        state.epoch = epoch + 1;
        state.batch = 0;
        state.epochLossSum = 0;
        state.epochCorrect = 0;
        state.epochSamples = 0;
        state.epochSeconds = 0;
        state.epochFailures = 0;
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "epoch");
        line.putAll(JSON.convertValue(e, Map.class));
        run.appendJsonl(line);
        appendCsv(e);
        boolean best = val != null && val.top1() > state.bestTop1;
        if (best) {
            state.bestTop1 = val.top1();
            state.bestEpoch = epoch;
        }
        saveCheckpoint();
        if (best) saveModel(runDir.resolve(BEST), model, "F32");
        Charts.writeCurves(runDir.resolve(CURVES), state.history, stepLosses);
        if (listener != null) listener.epoch(e);
    }

    /** Saves model weights with the card that makes them self-describing (config, preprocessing, labels). */
    private void saveModel(Path file, SwinTransformer m, String dtype) throws IOException {
        SwinWeights.save(file, new ModelCard(modelConfig, Layout.OFFICIAL, evalPreset, classNames()), m.parameters().toHost(),
                dtype);
    }

    /** A checkpoint of model, optimizer, EMA and loop state ({@link RunDirectory#saveCheckpoint}), then the latest weights. */
    private void saveCheckpoint() throws IOException {
        String name = String.format("epoch%04d-batch%06d", state.epoch, state.batch);
        run.saveCheckpoint(name, tmp -> {
            saveModel(tmp.resolve(MODEL), model, "F32");
            optimizer.save(tmp.resolve("optimizer.pt"));
            if (ema != null) Safetensors.write(tmp.resolve("ema.safetensors"), ema.parameters().toHost(), Map.of(), "F32");
            state.metricsJsonlBytes = run.syncedSize(METRICS_JSONL);
            state.metricsCsvBytes = run.syncedSize(METRICS_CSV);
            JSON.writeValue(tmp.resolve("state.json").toFile(), state);
        });
        saveModel(runDir.resolve(MODEL), model, "F32");
    }

    private void reloadStepLosses() throws IOException {
        for (JsonNode n : run.readJsonl("step")) {
            stepLosses.add(new double[] {n.get("epoch").asInt() - 1 + (double) n.get("batch").asInt() / trainLoader.batchesPerEpoch(),
                    n.get("loss").asDouble(), n.get("lr").asDouble()});
        }
    }

    private void appendCsv(TrainHistory.Epoch e) throws IOException {
        run.appendCsv("epoch,optimizer_steps,train_loss,train_top1,val_loss,val_top1,val_top5,ema_top1,lr,seconds,images_per_second,failed_samples",
                String.join(",", String.valueOf(e.epoch() + 1), String.valueOf(e.optimizerSteps()), num(e.trainLoss()),
                num(e.trainTop1()), num(e.valLoss()), num(e.valTop1()), num(e.valTop5()), num(e.emaTop1()), num(e.lr()),
                num(e.seconds()), num(e.imagesPerSecond()), String.valueOf(e.failedSamples())));
    }

    private static String num(double v) {
        return RunDirectory.csvNumber(v);
    }

    @Override
    public void close() {
        trainLoader.close();
        valLoader.close();
        optimizer.close();
        model.close();
        if (ema != null) ema.close();
    }
}
