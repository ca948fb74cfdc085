#!/usr/bin/env python3
"""Importable helper: the reference UPerNet-Swin segmentor of the official Swin-Transformer-Semantic-Segmentation
repository (an mmseg 0.x fork), built from its own source files with mmcv 1.3.0's ConvModule, without installing
mmcv, mmseg or timm.

Sources (extracted git mirrors, never committed):
  SWINSEG_SRC (default /tmp/ref/swinseg):  git -C /work/.mirror/SwinTransformer+Swin-Transformer-Semantic-Segmentation/repo
                                           archive HEAD | tar -x -C /tmp/ref/swinseg
  MMCV_SRC    (default /tmp/ref/mmcv13):   mmcv v1.3.0, the newest mmcv the repo accepts (mmseg/__init__.py: <= 1.3.0):
                                           git -C /work/.mirror/open-mmlab+mmcv/repo archive v1.3.0 | tar -x -C /tmp/ref/mmcv13

How the packages are put together (the math is the real source files; only plumbing is stubbed):
  * `mmcv`, `mmcv.utils`, `mmcv.cnn`, `mmcv.cnn.bricks`, `mmcv.cnn.utils`, `mmseg`, `mmseg.models`, `mmseg.core`,
    `mmseg.ops`, `mmseg.utils` are bare packages over the real directories: their `__init__.py` files are not run
    (they import opencv, addict, yapf, the CUDA ops and mmseg's mmcv version check), and the needed names are
    imported from the real submodules (mmcv/utils/registry.py, mmcv/cnn/bricks/{conv_module,norm,activation,conv,
    padding}.py, mmcv/cnn/utils/weight_init.py, mmseg/models/builder.py, mmseg/ops/wrappers.py, ...).
  * STUBBED (plumbing only): `mmcv.runner.auto_fp16` / `force_fp32` are identity decorators (fp16 is off);
    `mmcv.utils.get_logger` / `print_log` and `mmseg.utils.get_root_logger` are the std logging module;
    `mmcv_custom.load_checkpoint` raises (no pretrained file is loaded); `mmcv.utils.TORCH_VERSION` is
    torch.__version__ (activation.py only reads it to pick GELU's implementation, which we do not build);
    `timm.models.layers`: `to_2tuple` (a tuple), `trunc_normal_` = torch.nn.init.trunc_normal_ (the same function,
    copied into torch from timm; init only: every weight is overwritten afterwards), and `DropPath`, which raises
    when built with a rate > 0 (the fixtures use drop_path_rate 0, where the official code builds nn.Identity).
  * One line of uper_head.py is loaded out of place: `laterals[i - 1] += resize(...)` becomes
    `laterals[i - 1] = laterals[i - 1] + resize(...)` (the same values; mmseg 1.x has this form). In place, torch
    1.13's autograd refuses the backward pass (the lateral ConvModule's ReLU output, saved for its backward, is
    modified), so the training references could not be computed otherwise.
  * Normalisation: the config's SyncBN is BN (one process, no distributed group; the same math on one device).

Public API, used by make_upernet_fixtures.py and by other generators (layouts):
  load()                          -> namespace of reference classes (EncoderDecoder, SwinTransformer, UPerHead, ...)
  TINY                            -> the fixture config (dict, see below)
  build_reference(seed, **over)   -> (model, state_dict): seeded EncoderDecoder in eval mode with non-trivial weights
                                     and BatchNorm running statistics; state_dict without num_batches_tracked
  model_config(**over)            -> the mmseg model dict (backbone / decode_head / auxiliary_head / test_cfg)
"""
import copy
import logging
import os
import sys
import types

import torch
import torch.nn as nn

SWINSEG_SRC = os.environ.get("SWINSEG_SRC", "/tmp/ref/swinseg")
MMCV_SRC = os.environ.get("MMCV_SRC", "/tmp/ref/mmcv13")

# The fixture model: the official upernet_swin config at toy width.
TINY = dict(embed_dim=8, depths=[2, 2, 2, 2], num_heads=[1, 2, 2, 4], window_size=7, channels=16, aux_channels=8,
            num_classes=5, pool_scales=(1, 2, 3, 6), dropout_ratio=0.1, drop_path_rate=0.0)

_LOADED = None


def _bare(name, path):
    """A package whose submodules load from `path` but whose __init__.py is not run."""
    mod = types.ModuleType(name)
    mod.__path__ = [path]
    mod.__package__ = name
    sys.modules[name] = mod
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, mod)
    return mod


def _stub(name, **attrs):
    mod = types.ModuleType(name)
    mod.__dict__.update(attrs)
    sys.modules[name] = mod
    parent, _, child = name.rpartition(".")
    if parent and parent in sys.modules:
        setattr(sys.modules[parent], child, mod)
    return mod


def _identity_decorator(*args, **kwargs):
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]
    return lambda f: f


class _NoDropPath(nn.Module):
    def __init__(self, drop_prob=None):
        super().__init__()
        raise RuntimeError("DropPath is stubbed: build the reference with drop_path_rate 0")


def _load_patched(name, path, old, new):
    """Loads a source file with one textual replacement (asserted to occur exactly once)."""
    with open(path) as f:
        src = f.read()
    assert src.count(old) == 1, (path, old)
    mod = types.ModuleType(name)
    mod.__file__ = path
    mod.__package__ = name.rpartition(".")[0]
    sys.modules[name] = mod
    exec(compile(src.replace(old, new), path, "exec"), mod.__dict__)
    return mod


def load():
    """Imports the reference code once; returns a namespace of its classes."""
    global _LOADED
    if _LOADED is not None:
        return _LOADED
    for path, what in ((SWINSEG_SRC, "mmseg/models/backbones/swin_transformer.py"),
                       (MMCV_SRC, "mmcv/cnn/bricks/conv_module.py")):
        if not os.path.isfile(os.path.join(path, what)):
            raise SystemExit(f"{path} has no {what}: extract the sources (see this file's docstring)")
    import importlib
    import warnings
    warnings.filterwarnings("ignore", category=UserWarning)

    # ---- mmcv 1.3.0 (bare packages over the real files)
    mmcv_dir = os.path.join(MMCV_SRC, "mmcv")
    mmcv = _bare("mmcv", mmcv_dir)
    mmcv.__version__ = "1.3.0"
    mu = _bare("mmcv.utils", os.path.join(mmcv_dir, "utils"))
    misc = importlib.import_module("mmcv.utils.misc")
    for k in ("is_seq_of", "is_tuple_of", "is_list_of", "is_str"):
        setattr(mu, k, getattr(misc, k))
    reg = importlib.import_module("mmcv.utils.registry")
    mu.Registry, mu.build_from_cfg = reg.Registry, reg.build_from_cfg
    mu.TORCH_VERSION = torch.__version__  # STUB (plumbing)
    mu.get_logger = lambda name, *a, **k: logging.getLogger(name)  # STUB (plumbing)
    mu.print_log = lambda msg, logger=None, level=logging.INFO: logging.getLogger("mmcv").log(level, msg)  # STUB
    importlib.import_module("mmcv.utils.parrots_wrapper")
    _stub("mmcv.runner", auto_fp16=_identity_decorator, force_fp32=_identity_decorator)  # STUB (fp16 off)
    cnn = _bare("mmcv.cnn", os.path.join(mmcv_dir, "cnn"))
    _bare("mmcv.cnn.utils", os.path.join(mmcv_dir, "cnn", "utils"))
    wi = importlib.import_module("mmcv.cnn.utils.weight_init")
    for k in ("constant_init", "kaiming_init", "normal_init", "xavier_init", "uniform_init", "caffe2_xavier_init",
              "bias_init_with_prob"):
        setattr(sys.modules["mmcv.cnn.utils"], k, getattr(wi, k))
        setattr(cnn, k, getattr(wi, k))
    _bare("mmcv.cnn.bricks", os.path.join(mmcv_dir, "cnn", "bricks"))
    cm = importlib.import_module("mmcv.cnn.bricks.conv_module")
    cnn.ConvModule = cm.ConvModule
    norm = importlib.import_module("mmcv.cnn.bricks.norm")
    cnn.build_norm_layer = norm.build_norm_layer

    # ---- timm (STUB: plumbing + init only, see the docstring)
    _stub("timm")
    _stub("timm.models")
    _stub("timm.models.layers", DropPath=_NoDropPath, to_2tuple=lambda x: tuple(x) if isinstance(x, (tuple, list)) else (x, x),
          trunc_normal_=nn.init.trunc_normal_)

    # ---- the official segmentation repository (bare packages over the real files)
    seg_dir = os.path.join(SWINSEG_SRC, "mmseg")
    _stub("mmcv_custom", load_checkpoint=lambda *a, **k: (_ for _ in ()).throw(RuntimeError("no checkpoint loading")))
    mmseg = _bare("mmseg", seg_dir)
    _bare("mmseg.utils", os.path.join(seg_dir, "utils")).get_root_logger = lambda *a, **k: logging.getLogger("mmseg")
    ops = _bare("mmseg.ops", os.path.join(seg_dir, "ops"))
    wr = importlib.import_module("mmseg.ops.wrappers")
    ops.resize, ops.Upsample = wr.resize, wr.Upsample
    core = _bare("mmseg.core", os.path.join(seg_dir, "core"))
    _bare("mmseg.core.seg", os.path.join(seg_dir, "core", "seg"))
    core.build_pixel_sampler = importlib.import_module("mmseg.core.seg.builder").build_pixel_sampler
    _bare("mmseg.core.utils", os.path.join(seg_dir, "core", "utils"))
    core.add_prefix = importlib.import_module("mmseg.core.utils.misc").add_prefix
    models = _bare("mmseg.models", os.path.join(seg_dir, "models"))
    builder = importlib.import_module("mmseg.models.builder")
    models.builder = builder
    losses = _bare("mmseg.models.losses", os.path.join(seg_dir, "models", "losses"))
    ce = importlib.import_module("mmseg.models.losses.cross_entropy_loss")
    acc = importlib.import_module("mmseg.models.losses.accuracy")
    losses.accuracy = acc.accuracy
    _bare("mmseg.models.backbones", os.path.join(seg_dir, "models", "backbones"))
    swin = importlib.import_module("mmseg.models.backbones.swin_transformer")
    _bare("mmseg.models.decode_heads", os.path.join(seg_dir, "models", "decode_heads"))
    dh = importlib.import_module("mmseg.models.decode_heads.decode_head")
    psp = importlib.import_module("mmseg.models.decode_heads.psp_head")
    uper = _load_patched("mmseg.models.decode_heads.uper_head",
                         os.path.join(seg_dir, "models", "decode_heads", "uper_head.py"),
                         "laterals[i - 1] += resize(", "laterals[i - 1] = laterals[i - 1] + resize(")
    fcn = importlib.import_module("mmseg.models.decode_heads.fcn_head")
    _bare("mmseg.models.segmentors", os.path.join(seg_dir, "models", "segmentors"))
    importlib.import_module("mmseg.models.segmentors.base")
    ed = importlib.import_module("mmseg.models.segmentors.encoder_decoder")
    _LOADED = types.SimpleNamespace(EncoderDecoder=ed.EncoderDecoder, SwinTransformer=swin.SwinTransformer,
                                    UPerHead=uper.UPerHead, FCNHead=fcn.FCNHead, PPM=psp.PPM,
                                    BaseDecodeHead=dh.BaseDecodeHead, CrossEntropyLoss=ce.CrossEntropyLoss,
                                    resize=wr.resize, ConvModule=cm.ConvModule, builder=builder)
    return _LOADED


def model_config(**over):
    """The official configs/_base_/models/upernet_swin.py at the TINY sizes (SyncBN -> BN); keys of TINY override."""
    c = dict(TINY, **over)
    dims = [c["embed_dim"] * 2 ** i for i in range(len(c["depths"]))]
    norm_cfg = dict(type="BN", requires_grad=True)
    return dict(
        backbone=dict(type="SwinTransformer", embed_dim=c["embed_dim"], depths=c["depths"], num_heads=c["num_heads"],
                      window_size=c["window_size"], mlp_ratio=4., qkv_bias=True, qk_scale=None, drop_rate=0.,
                      attn_drop_rate=0., drop_path_rate=c["drop_path_rate"], ape=False, patch_norm=True,
                      out_indices=tuple(range(len(dims))), use_checkpoint=False),
        decode_head=dict(type="UPerHead", in_channels=dims, in_index=list(range(len(dims))),
                         pool_scales=tuple(c["pool_scales"]), channels=c["channels"],
                         dropout_ratio=c["dropout_ratio"], num_classes=c["num_classes"], norm_cfg=norm_cfg,
                         align_corners=False,
                         loss_decode=dict(type="CrossEntropyLoss", use_sigmoid=False, loss_weight=1.0)),
        auxiliary_head=dict(type="FCNHead", in_channels=dims[2], in_index=2, channels=c["aux_channels"], num_convs=1,
                            concat_input=False, dropout_ratio=c["dropout_ratio"], num_classes=c["num_classes"],
                            norm_cfg=norm_cfg, align_corners=False,
                            loss_decode=dict(type="CrossEntropyLoss", use_sigmoid=False, loss_weight=0.4)),
        train_cfg=dict(), test_cfg=dict(mode="whole"))


def _randomize(model, seed):
    """Non-trivial weights (activations of order 1 throughout) and BatchNorm running statistics, seeded."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("relative_position_bias_table"):
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)
            elif p.dim() >= 2:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=g) * (1.0 / fan_in) ** 0.5)
            elif name.endswith("weight"):  # LayerNorm / BatchNorm scale
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(0.2 * torch.randn(b.shape, generator=g))
            elif name.endswith("running_var"):
                b.copy_(0.5 + torch.rand(b.shape, generator=g))


def canonical_state_dict(model):
    """The state_dict as the official repo saves it, minus num_batches_tracked (and the computed
    relative_position_index buffers, which swin4j computes)."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()
            if not k.endswith("num_batches_tracked") and not k.endswith("relative_position_index")}


def build_reference(seed=0, **over):
    """(model, state_dict): the reference EncoderDecoder (eval mode) with seeded random weights."""
    ref = load()
    cfg = model_config(**over)
    torch.manual_seed(seed)
    model = ref.EncoderDecoder(backbone=copy.deepcopy(cfg["backbone"]), decode_head=copy.deepcopy(cfg["decode_head"]),
                               auxiliary_head=copy.deepcopy(cfg["auxiliary_head"]), train_cfg=cfg["train_cfg"],
                               test_cfg=_Cfg(cfg["test_cfg"]))
    _randomize(model, seed + 1)
    model.eval()
    return model, canonical_state_dict(model)


class _Cfg(dict):
    """mmcv's ConfigDict plumbing: attribute access to a dict (test_cfg.mode, test_cfg.stride)."""

    def __getattr__(self, k):
        try:
            return self[k]
        except KeyError as e:
            raise AttributeError(k) from e

    def __setattr__(self, k, v):
        self[k] = v


if __name__ == "__main__":
    m, sd = build_reference(0)
    for k, v in sd.items():
        print(k, tuple(v.shape))
    x = torch.randn(2, 3, 100, 76)
    with torch.no_grad():
        print(m.encode_decode(x, None).shape)
