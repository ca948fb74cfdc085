"""Shared helpers for the swin4j reference-fixture generators (make_parity_fixtures.py, make_fullsize_fixtures.py).

Nothing here is model code: it finds and imports the reference implementations (official
microsoft/Swin-Transformer, timm, torchvision), randomizes weights deterministically, captures the
per-stage outputs with the meaning swin4j uses, and writes .npy / .pth / safetensors / meta.json files.
"""
import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

# Snapshots the fixtures were generated from (see tools/reference/README.md).
OFFICIAL_COMMIT = "f82860bfb5225915aca09c3227159ee9e1df874d"
TIMM_COMMIT = "aa4b5850c1543fa488abf260f18390eda46cf85d"

STAGE_FORMAT = ("NCHW (B, C*2^i, H_i, W_i): output of stage i's blocks before that stage's patch merging, "
                "no extra norm; stage3 is the last stage's output before the final LayerNorm")

# swin4j's test config TINY (SwinTransformerTest.TINY): the official model's arguments.
TINY = dict(img_size=64, patch_size=4, in_chans=3, embed_dim=12, depths=[2, 2, 2, 2], num_heads=[1, 2, 4, 8],
            window_size=4, mlp_ratio=4.0, qkv_bias=True, qk_scale=None, ape=False, patch_norm=True,
            num_classes=10, drop_rate=0.0, attn_drop_rate=0.0, drop_path_rate=0.0)



# ----------------------------------------------------------------------------------------------------------
# Locating and importing the reference code
# ----------------------------------------------------------------------------------------------------------

def add_source_args(parser):
    parser.add_argument("--official", default=os.environ.get("SWIN_OFFICIAL_SRC"),
                        help="extracted microsoft/Swin-Transformer tree (or env SWIN_OFFICIAL_SRC)")
    parser.add_argument("--timm", default=os.environ.get("TIMM_SRC"),
                        help="extracted huggingface/pytorch-image-models tree (or env TIMM_SRC)")


def _load_file_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


class Refs:
    """The imported reference modules."""

    def __init__(self, official_dir, timm_dir, need_timm=True):
        if not official_dir or not os.path.isfile(os.path.join(official_dir, "models", "swin_transformer.py")):
            raise SystemExit("--official / SWIN_OFFICIAL_SRC must point at an extracted microsoft/Swin-Transformer tree")
        if not timm_dir or not os.path.isfile(os.path.join(timm_dir, "timm", "__init__.py")):
            raise SystemExit("--timm / TIMM_SRC must point at an extracted pytorch-image-models tree")
        self.official_dir = os.path.abspath(official_dir)
        self.timm_dir = os.path.abspath(timm_dir)
        # the official model file imports timm (DropPath, to_2tuple, trunc_normal_)
        sys.path.insert(0, self.timm_dir)
        import warnings
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=UserWarning)
        import timm
        self.timm_version = timm.__version__
        # Load the two official files by path, not through models/__init__.py (which pulls in MoE/SimMIM/V2).
        sw_path = os.path.join(self.official_dir, "models", "swin_transformer.py")
        self.official = _load_file_module("swin_official_swin_transformer", sw_path)
        self.official_utils = _load_file_module("swin_official_utils", os.path.join(self.official_dir, "utils.py"))
        self.official_file_sha256 = sha256_file(sw_path)
        if need_timm:
            import timm.models.swin_transformer as tsw
            self.timm_swin = tsw
            self.timm_file_sha256 = sha256_file(tsw.__file__)
        import torchvision
        import torchvision.models.swin_transformer as tvsw
        self.tv = tvsw
        self.torchvision_version = torchvision.__version__
        self.tv_file_sha256 = sha256_file(tvsw.__file__)

    def impl_official(self):
        return {"name": "microsoft/Swin-Transformer", "class": "models.swin_transformer.SwinTransformer",
                "commit": OFFICIAL_COMMIT, "file_sha256": self.official_file_sha256,
                "torch": torch.__version__, "timm_for_layers": self.timm_version}

    def impl_timm(self):
        return {"name": "timm", "class": "timm.models.swin_transformer.SwinTransformer",
                "commit": TIMM_COMMIT, "version": self.timm_version, "file_sha256": self.timm_file_sha256,
                "torch": torch.__version__}

    def impl_torchvision(self):
        return {"name": "torchvision", "class": "torchvision.models.swin_transformer.SwinTransformer",
                "version": self.torchvision_version, "file_sha256": self.tv_file_sha256,
                "torch": torch.__version__}


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


# ----------------------------------------------------------------------------------------------------------
# Weight randomization
# ----------------------------------------------------------------------------------------------------------

def randomize_(model, seed, matrix_std=0.2, fan_in_scaled=False):
    """Overwrite every parameter with random values, deterministically (module order, then parameter order).

    matrices / conv kernels: randn * matrix_std (or randn / sqrt(fan_in) when fan_in_scaled)
    LayerNorm weight: 1 + 0.1 randn; LayerNorm bias and all other biases: 0.1 randn
    relative_position_bias_table: 0.5 randn
    """
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, module in model.named_modules():
            for pname, p in module.named_parameters(recurse=False):
                r = torch.randn(p.shape, generator=g, dtype=torch.float32)
                if "relative_position_bias_table" in pname:
                    v = 0.5 * r
                elif isinstance(module, nn.LayerNorm):
                    v = 1.0 + 0.1 * r if pname == "weight" else 0.1 * r
                elif p.dim() >= 2:
                    if fan_in_scaled:
                        v = r / float(np.sqrt(np.prod(p.shape[1:])))
                    else:
                        v = matrix_std * r
                else:
                    v = 0.1 * r
                p.copy_(v)
    return model


# ----------------------------------------------------------------------------------------------------------
# Forward passes with stage capture
# ----------------------------------------------------------------------------------------------------------

def tokens_to_nchw(t, h, w):
    b, l, c = t.shape
    assert l == h * w
    return t.reshape(b, h, w, c).permute(0, 3, 1, 2).contiguous()


def run_official(model, x):
    """Official SwinTransformer: stage i = input of layers[i].downsample (i<3), output of layers[-1]."""
    caps = {}
    hooks = []
    n = len(model.layers)
    for i, layer in enumerate(model.layers):
        h, w = layer.input_resolution
        if layer.downsample is not None:
            hooks.append(layer.downsample.register_forward_pre_hook(
                lambda m, inp, i=i, h=h, w=w: caps.__setitem__(i, tokens_to_nchw(inp[0], h, w))))
        else:
            assert i == n - 1
            hooks.append(layer.register_forward_hook(
                lambda m, inp, out, i=i, h=h, w=w: caps.__setitem__(i, tokens_to_nchw(out, h, w))))
    try:
        emb = model.forward_features(x)
        logits = model.head(emb)
        full = model(x)
    finally:
        for hk in hooks:
            hk.remove()
    assert torch.equal(full, logits)
    out = {"logits": logits, "embedding": emb}
    for i in range(n):
        out[f"stage{i}"] = caps[i]
    return out


def official_windows(model):
    """Effective (window_h, window_w, shift_h, shift_w) per stage and block from the built official model."""
    res = []
    for layer in model.layers:
        res.append({"resolution": list(layer.input_resolution),
                    "blocks": [[b.window_size, b.window_size, b.shift_size, b.shift_size] for b in layer.blocks]})
    return res


def run_timm(model, x):
    """timm SwinTransformer (merge at stage start): stage i = output of layers[i] (NHWC) -> NCHW.
    That is exactly 'stage i blocks output before the next merge' since layers[i+1] starts with the merge."""
    caps = {}
    hooks = [layer.register_forward_hook(
        lambda m, inp, out, i=i: caps.__setitem__(i, out.permute(0, 3, 1, 2).contiguous()))
        for i, layer in enumerate(model.layers)]
    try:
        feats = model.forward_features(x)
        emb = model.forward_head(feats, pre_logits=True)
        logits = model.head.fc(emb)
        full = model(x)
    finally:
        for hk in hooks:
            hk.remove()
    assert torch.allclose(full, logits, atol=1e-6, rtol=0), (full - logits).abs().max()
    logits = full
    out = {"logits": logits, "embedding": emb}
    for i in range(len(model.layers)):
        out[f"stage{i}"] = caps[i]
    return out


def timm_windows(model):
    res = []
    for layer in model.layers:
        res.append({"resolution": list(layer.output_resolution),
                    "blocks": [[b.window_size[0], b.window_size[1], b.shift_size[0], b.shift_size[1]]
                               for b in layer.blocks]})
    return res


def run_torchvision(model, x):
    """torchvision SwinTransformer: stage i = output of features[2i+1] (NHWC) -> NCHW."""
    out = {}
    h = x
    stage = 0
    for idx, mod in enumerate(model.features):
        h = mod(h)
        if idx % 2 == 1:
            out[f"stage{stage}"] = h.permute(0, 3, 1, 2).contiguous()
            stage += 1
    y = model.norm(h)
    y = model.permute(y)
    y = model.avgpool(y)
    emb = model.flatten(y)
    logits = model.head(emb)
    full = model(x)
    assert torch.equal(full, logits)
    out["logits"] = logits
    out["embedding"] = emb
    return out


def torchvision_windows(model, in_h, in_w):
    """Per stage: the map size and, per block, (window_h, window_w, shift_h, shift_w) that
    torchvision.shifted_window_attention actually uses (pad to window multiple; shift 0 on an axis where
    window >= padded size). Same rule as the library code (copied)."""
    ph, pw = model.features[0][0].stride
    h, w = in_h // ph, in_w // pw  # the Conv2d floors a non-multiple remainder
    res = []
    stage = 0
    for idx, mod in enumerate(model.features):
        if idx == 0:
            continue
        if idx % 2 == 1:
            blocks = []
            for blk in mod:
                ws = list(blk.attn.window_size)
                ss = list(blk.attn.shift_size)
                pad_h = h + (ws[0] - h % ws[0]) % ws[0]
                pad_w = w + (ws[1] - w % ws[1]) % ws[1]
                ss = ss.copy()
                if ws[0] >= pad_h:
                    ss[0] = 0
                if ws[1] >= pad_w:
                    ss[1] = 0
                blocks.append([ws[0], ws[1], ss[0], ss[1]])
            res.append({"resolution": [h, w], "padded": [pad_h, pad_w], "blocks": blocks})
            stage += 1
        else:
            h, w = (h + 1) // 2, (w + 1) // 2  # _patch_merging_pad pads odd sizes by one
    return res


# ----------------------------------------------------------------------------------------------------------
# Writing files
# ----------------------------------------------------------------------------------------------------------

def save_npy(path, t):
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    a = np.ascontiguousarray(a.astype("<f4"))
    np.save(path, a, allow_pickle=False)
    return list(a.shape)


def save_set(case_dir, x, outs, suffix=""):
    """Writes input{suffix}.npy and the outputs; returns the meta.json 'sets' entry."""
    entry = {"input": {"file": f"input{suffix}.npy", "shape": save_npy(os.path.join(case_dir, f"input{suffix}.npy"), x)},
             "outputs": {}}
    for name in ["logits", "embedding", "stage0", "stage1", "stage2", "stage3"]:
        if name in outs:
            fn = f"{name}{suffix}.npy"
            entry["outputs"][name] = {"file": fn, "shape": save_npy(os.path.join(case_dir, fn), outs[name])}
    return entry


def _compact_json(v, ind=0):
    """Indented JSON whose lists of numbers (and lists of such lists) stay on one line."""
    pad = " " * ind
    if isinstance(v, dict):
        if not v:
            return "{}"
        items = [f'{pad} {json.dumps(k)}: {_compact_json(x, ind + 1)}' for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, list) and any(isinstance(x, dict) for x in v) or isinstance(v, list) and any(
            isinstance(x, str) and len(x) > 40 for x in v):
        return "[\n" + ",\n".join(f"{pad} {_compact_json(x, ind + 1)}" for x in v) + "\n" + pad + "]"
    return json.dumps(v, separators=(", ", ": "))


def write_meta(case_dir, meta):
    with open(os.path.join(case_dir, "meta.json"), "w") as f:
        f.write(_compact_json(meta))
        f.write("\n")


def tensor_stats(outs):
    return {k: float(v.abs().max()) for k, v in outs.items()}


# ----------------------------------------------------------------------------------------------------------
# safetensors, by hand
# ----------------------------------------------------------------------------------------------------------

_ST_DTYPES = {torch.float32: ("F32", "<f4"), torch.int64: ("I64", "<i8"), torch.float16: ("F16", "<f2"),
              torch.bfloat16: ("BF16", "<i2")}  # numpy has no bf16: its 16-bit patterns, as int16


def write_safetensors(path, tensors, metadata=None):
    """safetensors: u64 LE header length, JSON header (space-padded to 8 bytes), then the raw LE data."""
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        dt, npdt = _ST_DTYPES[t.dtype]
        t = t.detach().cpu()
        b = np.ascontiguousarray((t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().astype(npdt)).tobytes()
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    header["__metadata__"] = metadata or {"format": "pt"}
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    inv = {"F32": "<f4", "I64": "<i8", "F16": "<f2"}
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    end_max = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        s, e = info["data_offsets"]
        end_max = max(end_max, e)
        a = np.frombuffer(data[base + s:base + e], dtype=inv[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(a.copy())
    assert base + end_max == len(data), "safetensors: trailing bytes"
    return out, header.get("__metadata__")


# ----------------------------------------------------------------------------------------------------------
# Swin V2 / Swin-MLP (make_family_fixtures.py, make_fullsize_fixtures.py); nothing above depends on these
# ----------------------------------------------------------------------------------------------------------

LOG_CLAMP = float(np.log(100.0))


def load_official_family(refs):
    """The official V2 and MLP model files, imported by path (not through models/__init__.py); cached on refs."""
    if not hasattr(refs, "official_v2"):
        v2 = os.path.join(refs.official_dir, "models", "swin_transformer_v2.py")
        mlp = os.path.join(refs.official_dir, "models", "swin_mlp.py")
        refs.official_v2 = _load_file_module("swin_official_swin_transformer_v2", v2)
        refs.official_mlp = _load_file_module("swin_official_swin_mlp", mlp)
        refs.official_v2_sha256 = sha256_file(v2)
        refs.official_mlp_sha256 = sha256_file(mlp)
    return refs.official_v2, refs.official_mlp


def impl_official_v2(refs):
    load_official_family(refs)
    return {"name": "microsoft/Swin-Transformer", "class": "models.swin_transformer_v2.SwinTransformerV2",
            "commit": OFFICIAL_COMMIT, "file_sha256": refs.official_v2_sha256,
            "torch": torch.__version__, "timm_for_layers": refs.timm_version}


def impl_official_mlp(refs):
    load_official_family(refs)
    return {"name": "microsoft/Swin-Transformer", "class": "models.swin_mlp.SwinMLP",
            "commit": OFFICIAL_COMMIT, "file_sha256": refs.official_mlp_sha256,
            "torch": torch.__version__, "timm_for_layers": refs.timm_version}


FAMILY_RANDOMIZE_RULE = ("as V1: matrices/conv kernels (cpb_mlp and spatial_mlp weights included) randn*0.2, LayerNorm "
                         "weight 1+0.1*randn, LayerNorm and other biases (q_bias, v_bias, cpb_mlp.0.bias, full "
                         "torchvision qkv.bias) 0.1*randn (torch.Generator seeded, module order); then logit_scale "
                         "= log(10)+0.3*randn, except the last head of every attention with >= 2 heads, set to "
                         "log(100)+0.25+0.25*rand (above the clamp at log(100)) -- 0.3*randn alone would need a "
                         "7.7-sigma draw to reach the clamp (second generator, seed+500, parameter order)")


def randomize_family_(model, seed, fan_in_scaled=False):
    """randomize_ plus logit_scale: log(10)+0.3*randn, and the last head of each attention with >= 2 heads above
    the clamp log(100) (so that the clamp acts). Returns the names of the clamped logit_scale tensors."""
    randomize_(model, seed, fan_in_scaled=fan_in_scaled)
    g = torch.Generator().manual_seed(seed + 500)
    clamped = []
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("logit_scale"):
                nh = p.shape[0]
                v = float(np.log(10.0)) + 0.3 * torch.randn(p.shape, generator=g, dtype=torch.float32)
                if nh >= 2:
                    v[nh - 1] = LOG_CLAMP + 0.25 + 0.25 * torch.rand(v[nh - 1].shape, generator=g)
                    clamped.append(name)
                p.copy_(v)
    return clamped


# ----------------------------------------------------------------------------------------------------------
# Float64 references of the V2 fixtures (make_v2_float64_references.py, make_v2_source_float64_references.py)
# ----------------------------------------------------------------------------------------------------------

# The float32 model rebuilt from a fixture must give the fixture files: identical on the generating machine; another
# CPU's kernels may move the last bits, amplified by V2's cosine attention, so allow that much and no more (a wrong
# model is off by > 1e-2).
FLOAT64_REBUILD_TOL = 1e-3


def rel(a, b):
    """Relative L2 distance of a to b, in float64."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def float64_case(case, fixtures, out, sources, noise, make, run):
    """Runs the reference of fixtures/parity/<case> (a V2 fixture) in float32 and float64 on each input set.

    make(meta, set, weights_file) builds the model for the set with the fixture's weights loaded; run(model, x) gives
    its outputs by name. Asserts that the float32 run reproduces the committed files (FLOAT64_REBUILD_TOL) and that
    two float64 runs are identical; writes the float64 outputs (as float32) to out/<case>/<output file>, records the
    sha256 of the weights and inputs in sources and the committed float32 file's rel L2 distance to the float64
    result in noise[case][<output file>]."""
    cdir = os.path.join(fixtures, "parity", case)
    meta = json.load(open(os.path.join(cdir, "meta.json")))
    assert meta["family"] == "v2", meta["family"]
    wfile = os.path.normpath(os.path.join(cdir, meta["weights"]))
    sources[os.path.relpath(wfile, fixtures)] = sha256_file(wfile)
    odir = os.path.join(out, case)
    os.makedirs(odir)
    noise[case] = {}
    for s in meta["sets"]:
        model = make(meta, s, wfile)
        model.eval()
        xfile = os.path.normpath(os.path.join(cdir, s["input"]["file"]))
        sources[os.path.relpath(xfile, fixtures)] = sha256_file(xfile)
        x = torch.from_numpy(np.load(xfile))
        with torch.no_grad():
            o32 = run(model, x)
            model.double()
            o64 = run(model, x.double())
            again = run(model, x.double())
        for name, spec in s["outputs"].items():
            assert torch.equal(o64[name], again[name]), (case, name)
            expected32 = np.load(os.path.join(cdir, spec["file"]))
            r = rel(o32[name].numpy(), expected32)
            assert r <= FLOAT64_REBUILD_TOL, (case, spec["file"], r)
            save_npy(os.path.join(odir, spec["file"]), o64[name])
            noise[case][spec["file"]] = rel(expected32, o64[name].numpy())
            print(f"{case}/{spec['file']}: {meta['layout']} float32 vs float64 rel {noise[case][spec['file']]:.2e}, "
                  f"rebuilt float32 vs file {r:.1e}")


def build_torchvision_v2(tvm, cfg):
    """torchvision's V2 as make_family_fixtures.py builds it (its size rule: no window shrink, zero padding, per-axis
    shift), from a fixture's meta config."""
    assert cfg["block"] == "SwinTransformerBlockV2" and cfg["downsample_layer"] == "PatchMergingV2"
    return tvm.SwinTransformer(patch_size=cfg["patch_size"], embed_dim=cfg["embed_dim"], depths=cfg["depths"],
                               num_heads=cfg["num_heads"], window_size=cfg["window_size"], mlp_ratio=cfg["mlp_ratio"],
                               num_classes=cfg["num_classes"], stochastic_depth_prob=0.0,
                               block=tvm.SwinTransformerBlockV2, downsample_layer=tvm.PatchMergingV2)


def load_strict(model, wfile):
    """The fixture's state dict (parameters and buffers), loaded strictly."""
    model.load_state_dict(torch.load(wfile, map_location="cpu"), strict=True)
    return model


def float64_main(doc, repo, out_name):
    """The float64 generators' command line (--official, --timm, --fixtures), one torch thread, the reference sources;
    returns (refs, fixtures, out) with out = fixtures/<out_name> emptied."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_args(ap)
    ap.add_argument("--fixtures", default=os.path.join(repo, "fixtures"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    refs = Refs(args.official, args.timm)
    fixtures = os.path.abspath(args.fixtures)
    out = os.path.join(fixtures, out_name)
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    return refs, fixtures, out
