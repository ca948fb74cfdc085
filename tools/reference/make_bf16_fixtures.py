#!/usr/bin/env python3
"""Generates fixtures/bf16/: what a correct bf16 forward of the tiny Swin gives, according to PyTorch.

The official microsoft/Swin-Transformer model with swin4j's test config TINY (64x64, embed 12, depths 2-2-2-2,
heads 1-2-4-8, window 4, 10 classes), weights randomized with the shared fan-in-scaled rule, then rounded to
bf16-representable values; the input is rounded the same way. So the fp32 model and `model.bfloat16()` hold the
same numbers, and the distance between their logits is bf16 arithmetic alone. Files:

  weights.safetensors  the model's parameters (official names, stored as BF16: every value is exact in bf16)
  input.npy            (8, 3, 64, 64) bf16-exact input
  logits_fp32.npy      the fp32 model's logits
  logits_bf16.npy      PyTorch's own bf16 logits: model.bfloat16()(input.bfloat16()), widened to fp32
  meta.json            config, seeds, versions, PyTorch's bf16 relative error and the rule the Java test applies

swin4j's SwinTransformerTest#bf16ForwardTracksFp32AndRefusesToTrain derives its bound from these files: the
relative L2 error of swin4j's bf16 logits against its own fp32 logits must stay within a factor of PyTorch's.

Deterministic on one machine (rerun: byte-identical files). logits_bf16.npy may differ in its last bits on a CPU
with other kernels (AVX2 vs AVX-512); the fp32 files and the weights do not.

Run from the repository root:
  /usr/bin/python3 tools/reference/make_bf16_fixtures.py --official /tmp/ref/official --timm /tmp/ref/timm
"""
import argparse
import copy
import os
import shutil
import sys

import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # keep tools/reference free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import swin_ref_common as C  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# swin4j's SwinTransformerTest.TINY
TINY = C.TINY
SEED_WEIGHTS, SEED_INPUT = 3001, 3002
BATCH = 8
# The Java test passes when  LOWER * ref <= swin4j's error <= UPPER * ref  (ref: PyTorch's error below).
LOWER, UPPER = 0.25, 2.0


def rel(ref, got):
    return float((got.double() - ref.double()).norm() / ref.double().norm())


def bf16_exact(t):
    return t.bfloat16().float()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    C.add_source_args(ap)
    ap.add_argument("--out", default=os.path.join(REPO, "fixtures"), help="writes OUT/bf16 (deleted and recreated)")
    args = ap.parse_args()
    refs = C.Refs(args.official, args.timm, need_timm=False)
    torch.set_num_threads(1)  # one reduction order, whatever the machine's core count

    torch.manual_seed(0)  # the constructor's own init is overwritten below; seeded anyway
    model = refs.official.SwinTransformer(**TINY).eval()
    C.randomize_(model, SEED_WEIGHTS, fan_in_scaled=True)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(bf16_exact(p))
    x = bf16_exact(torch.randn((BATCH, 3, 64, 64), generator=torch.Generator().manual_seed(SEED_INPUT)))

    with torch.no_grad():
        fp32 = model(x)
        low = copy.deepcopy(model).bfloat16()
        bf16 = low(x.bfloat16())
        bf16_again = low(x.bfloat16())
        widened = copy.deepcopy(low).float()(x)
        # the patch convolution alone (3 -> 12 channels, 4x4 stride 4): the kernel swin4j found broken in libtorch
        # 2.10 on avx512_bf16 CPUs; the reference must not share the defect
        pe = model.patch_embed.proj
        conv32 = F.conv2d(x, pe.weight, pe.bias, stride=pe.stride)
        conv16 = F.conv2d(x.bfloat16(), pe.weight.bfloat16(), pe.bias.bfloat16(), stride=pe.stride)

    assert bf16.dtype == torch.bfloat16, bf16.dtype
    assert all(p.dtype == torch.bfloat16 for p in low.parameters()), "bf16 model holds non-bf16 parameters"
    for (name, a), (_, b) in zip(model.named_parameters(), low.named_parameters()):
        assert torch.equal(a, b.float()), f"{name} changed in the bf16 cast: not bf16-exact"
    assert torch.equal(widened, fp32), "fp32 forward of the widened bf16 weights differs: weights not bf16-exact"
    assert torch.equal(bf16, bf16_again), "PyTorch's bf16 forward is not deterministic here"
    err = rel(fp32, bf16.float())
    conv_err = rel(conv32, conv16.float())
    assert conv_err < 0.01, f"the reference's own bf16 patch convolution is off by {conv_err}"
    # 8 mantissa bits: one rounding is 2^-9 = 0.2% relative; a dozen layers add up to about 1%
    assert 1e-3 < err < 0.05, f"PyTorch's bf16 error {err} is outside what bf16 arithmetic gives"
    logit_rms = float(fp32.pow(2).mean().sqrt())
    assert logit_rms > 0.3, f"logits too small ({logit_rms}) for a relative error to mean much"

    out = os.path.join(args.out, "bf16")
    if os.path.isdir(out):
        shutil.rmtree(out)
    os.makedirs(out)
    params = dict(model.named_parameters())
    for name, t in params.items():
        assert torch.equal(bf16_exact(t), t), f"{name} is not bf16-exact"
    C.write_safetensors(os.path.join(out, "weights.safetensors"), {k: v.bfloat16() for k, v in params.items()})
    C.save_npy(os.path.join(out, "input.npy"), x)
    C.save_npy(os.path.join(out, "logits_fp32.npy"), fp32)
    C.save_npy(os.path.join(out, "logits_bf16.npy"), bf16.float())
    C.write_meta(out, {
        "what": "PyTorch's bf16 forward of the official tiny Swin vs its fp32 forward, same (bf16-exact) weights",
        "generator": "tools/reference/make_bf16_fixtures.py",
        "implementation": refs.impl_official(),
        "config": TINY,
        "weights": {"seed": SEED_WEIGHTS, "rule": "swin_ref_common.randomize_(fan_in_scaled=True), then every "
                                                  "value rounded to bf16 (stored as BF16)"},
        "input": {"seed": SEED_INPUT, "shape": list(x.shape), "rule": "randn, rounded to bf16"},
        "torch_threads": 1,
        "logit_rms_fp32": round(logit_rms, 6),
        "torch_bf16_relative_error": err,
        "torch_bf16_patch_conv_relative_error": conv_err,
        "test_rule": {"lower": LOWER, "upper": UPPER,
                      "meaning": "swin4j's ||bf16 - fp32|| / ||fp32|| (its own two forwards) must lie within "
                                 "[lower, upper] x PyTorch's, which the test recomputes from the two logits files"},
    })
    print(f"wrote {out}: PyTorch bf16 relative error {err:.5f} (patch conv {conv_err:.5f}), logit rms {logit_rms:.3f}")


if __name__ == "__main__":
    main()
