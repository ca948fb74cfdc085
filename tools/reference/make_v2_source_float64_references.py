#!/usr/bin/env python3
"""Float64 runs of timm's and torchvision's Swin V2 on the committed v2_timm and v2_torchvision fixtures:
fixtures/v2_float64_sources/.

Why: the V2 cosine attention (logit scales up to 100) amplifies float32 rounding so much that the committed float32
outputs of the reference implementations are themselves 1e-6..2e-4 (rel L2) off their exact result (see
make_v2_float64_references.py, which does this for the official model). A loader test at rel 1e-5 therefore compares
with the float64 result of the source's own implementation, run on the fixture's own file and inputs.

For each case the script rebuilds the implementation exactly as fixtures/parity/<case>/meta.json describes it, loads
the committed state dict strictly, checks that its float32 run reproduces the committed float32 files (same model,
weights, inputs; REBUILD_TOL allows another CPU's last bits, a wrong model is off by > 1e-2), then runs it in float64
twice (asserted identical) and writes the float64 outputs (stored as float32) under the fixture's own file names:
  fixtures/v2_float64_sources/v2_timm/<output file of every set>.npy
  fixtures/v2_float64_sources/v2_torchvision/<output file of every set>.npy
  fixtures/v2_float64_sources/meta.json   sha256 of every source file, float32 noise of each committed output

  /usr/bin/python3 tools/reference/make_v2_source_float64_references.py --official /tmp/ref/official --timm /tmp/ref/timm
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swin_ref_common as C  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
REBUILD_TOL = 1e-3


def rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def build_timm(tv2, cfg, img_size):
    return tv2.SwinTransformerV2(img_size=img_size, patch_size=cfg["patch_size"], in_chans=cfg["in_chans"],
                                 num_classes=cfg["num_classes"], embed_dim=cfg["embed_dim"], depths=tuple(cfg["depths"]),
                                 num_heads=tuple(cfg["num_heads"]), window_size=cfg["window_size"],
                                 mlp_ratio=cfg["mlp_ratio"], qkv_bias=cfg["qkv_bias"], drop_path_rate=0.0,
                                 pretrained_window_sizes=tuple(cfg["pretrained_window_sizes"]))


def build_torchvision(tvm, cfg):
    assert cfg["block"] == "SwinTransformerBlockV2" and cfg["downsample_layer"] == "PatchMergingV2"
    return tvm.SwinTransformer(patch_size=cfg["patch_size"], embed_dim=cfg["embed_dim"], depths=cfg["depths"],
                               num_heads=cfg["num_heads"], window_size=cfg["window_size"], mlp_ratio=cfg["mlp_ratio"],
                               num_classes=cfg["num_classes"], stochastic_depth_prob=0.0,
                               block=tvm.SwinTransformerBlockV2, downsample_layer=tvm.PatchMergingV2)


def run_case(case, fixtures, out, sources, noise, make, run):
    cdir = os.path.join(fixtures, "parity", case)
    meta = json.load(open(os.path.join(cdir, "meta.json")))
    assert meta["family"] == "v2", meta["family"]
    wfile = os.path.join(cdir, meta["weights"])
    sources[os.path.relpath(wfile, fixtures)] = C.sha256_file(wfile)
    state = torch.load(wfile, map_location="cpu")
    odir = os.path.join(out, case)
    os.makedirs(odir)
    noise[case] = {}
    for s in meta["sets"]:
        model = make(meta["config"], s)
        model.load_state_dict(state, strict=True)
        model.eval()
        xfile = os.path.normpath(os.path.join(cdir, s["input"]["file"]))
        sources[os.path.relpath(xfile, fixtures)] = C.sha256_file(xfile)
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
            assert r <= REBUILD_TOL, (case, spec["file"], r)
            C.save_npy(os.path.join(odir, spec["file"]), o64[name])
            noise[case][spec["file"]] = rel(expected32, o64[name].numpy())
            print(f"{case}/{spec['file']}: {meta['layout']} float32 vs float64 rel {noise[case][spec['file']]:.2e}, "
                  f"rebuilt float32 vs file {r:.1e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    C.add_source_args(ap)
    ap.add_argument("--fixtures", default=os.path.join(REPO, "fixtures"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    refs = C.Refs(args.official, args.timm)
    import timm.models.swin_transformer_v2 as tv2
    fixtures = os.path.abspath(args.fixtures)
    out = os.path.join(fixtures, "v2_float64_sources")
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    sources, noise = {}, {}
    run_case("v2_timm", fixtures, out, sources, noise,
             lambda cfg, s: build_timm(tv2, cfg, tuple(s["img_size"]) if "img_size" in s else cfg["img_size"]),
             C.run_timm)
    run_case("v2_torchvision", fixtures, out, sources, noise,
             lambda cfg, s: build_torchvision(refs.tv, cfg), C.run_torchvision)
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
