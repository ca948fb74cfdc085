#!/usr/bin/env python3
"""Float64 runs of timm's and torchvision's Swin V2 on the committed v2_timm and v2_torchvision fixtures:
fixtures/v2_float64_sources/.

Why: the V2 cosine attention (logit scales up to 100) amplifies float32 rounding so much that the committed float32
outputs of the reference implementations are themselves 1e-6..2e-4 (rel L2) off their exact result (see
make_v2_float64_references.py, which does this for the official model). A loader test at rel 1e-5 therefore compares
with the float64 result of the source's own implementation, run on the fixture's own file and inputs.

For each case the script rebuilds the implementation exactly as fixtures/parity/<case>/meta.json describes it, loads
the committed state dict strictly, checks that its float32 run reproduces the committed float32 files (same model,
weights, inputs; FLOAT64_REBUILD_TOL allows another CPU's last bits, a wrong model is off by > 1e-2), then runs it in float64
twice (asserted identical) and writes the float64 outputs (stored as float32) under the fixture's own file names:
  fixtures/v2_float64_sources/v2_timm/<output file of every set>.npy
  fixtures/v2_float64_sources/v2_torchvision/<output file of every set>.npy
  fixtures/v2_float64_sources/meta.json   sha256 of every source file, float32 noise of each committed output

  /usr/bin/python3 tools/reference/make_v2_source_float64_references.py --official /tmp/ref/official --timm /tmp/ref/timm
"""
import os
import sys

import torch

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swin_ref_common as C  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def build_timm(tv2, cfg, img_size):
    return tv2.SwinTransformerV2(img_size=img_size, patch_size=cfg["patch_size"], in_chans=cfg["in_chans"],
                                 num_classes=cfg["num_classes"], embed_dim=cfg["embed_dim"], depths=tuple(cfg["depths"]),
                                 num_heads=tuple(cfg["num_heads"]), window_size=cfg["window_size"],
                                 mlp_ratio=cfg["mlp_ratio"], qkv_bias=cfg["qkv_bias"], drop_path_rate=0.0,
                                 pretrained_window_sizes=tuple(cfg["pretrained_window_sizes"]))


def main():
    refs, fixtures, out = C.float64_main(__doc__, REPO, "v2_float64_sources")
    import timm.models.swin_transformer_v2 as tv2
    sources, noise = {}, {}
    C.float64_case("v2_timm", fixtures, out, sources, noise,
                   lambda meta, s, wfile: C.load_strict(build_timm(tv2, meta["config"], tuple(s["img_size"])
                                                                   if "img_size" in s else meta["config"]["img_size"]),
                                                        wfile),
                   C.run_timm)
    C.float64_case("v2_torchvision", fixtures, out, sources, noise,
                   lambda meta, s, wfile: C.load_strict(C.build_torchvision_v2(refs.tv, meta["config"]), wfile),
                   C.run_torchvision)
    meta = {
        "schema": "swin4j-float64/1",
        "what": "timm's and torchvision's V2 of each fixture run in float64 (model.double(), input.double()) on the "
                "fixture's own state dict and inputs; outputs stored as float32 under the fixture's file names",
        "reference_impl": {"timm": {"commit": C.TIMM_COMMIT, "version": refs.timm_version,
                                    "file_sha256": C.sha256_file(tv2.__file__)},
                           "torchvision": {"version": refs.torchvision_version, "file_sha256": refs.tv_file_sha256},
                           "torch": torch.__version__},
        "sources_sha256": dict(sorted(sources.items())),
        "float32_noise_doc": "per output file: rel L2 distance of the committed float32 fixture file to the float64 result",
        "float32_noise": noise,
    }
    C.write_meta(out, meta)


if __name__ == "__main__":
    main()
