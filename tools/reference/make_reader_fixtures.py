#!/usr/bin/env python3
"""Checkpoints written by torch.save for io.swin4j.weights.io.CheckpointReader's unwrapping and tensor rebuilding:
nested and competing wrappers, top-level metadata, containers that are not state dicts, non-tensor entries, partial
'module.' prefixes, expanded (stride 0) and offset views, int/bool/uint8 storages. Writes fixtures/reader/*.pth and
expected.json (each file's tensors as torch.load gives them, in float32).

Deterministic (fixed seed; the zip entries torch writes carry no timestamps that vary: checked by writing twice).
"""
import argparse
import hashlib
import io
import json
import os
from collections import OrderedDict

import torch


def t(*shape, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g)


def cases():
    a, b = t(2, 3, seed=1), t(4, seed=2)
    base = t(3, 4, seed=3)
    return OrderedDict([
        # wrappers: nested two deep, and two candidates at the top (state_dict is taken before model)
        ("nested", {"state_dict": {"model": OrderedDict([("a", a), ("b", b)])}, "epoch": 7}),
        ("competing", {"model": {"x": b}, "state_dict": {"a": a}}),
        ("model_state_dict", {"model_state_dict": {"a": a}, "optimizer": {"lr": 0.1}}),
        ("module_key", {"module": {"a": a}}),
        # top-level metadata: numbers, a long string (shown cut), a tuple, a list
        ("metadata", {"model": {"a": a}, "epoch": 12, "note": "x" * 100, "shape": (1, 2), "best": [0.5, 0.25],
                      "flag": True, "none": None}),
        # not state dicts
        ("list_of_tensors", [a, b]),
        ("number", 5),
        ("none", None),
        ("no_tensors", {"epoch": 1, "lr": 0.5}),
        ("deep", {"model": {"model": {"model": {"model": {"model": {"a": a}}}}}}),
        # entries that are not tensors, and a prefix not on every key
        ("mixed", OrderedDict([("a", a), ("step", 3), ("name", "run1")])),
        ("partial_prefix", OrderedDict([("module.a", a), ("b", b)])),
        ("all_prefixed", OrderedDict([("module.a", a), ("module.b", b)])),
        # views torch saves with their storage: expanded (stride 0), offset slices, a 3-D permute
        ("views", OrderedDict([
            ("expanded", torch.arange(3, dtype=torch.float32).expand(2, 3)),
            ("column", base[:, 2]),
            ("offset_block", base[1:, 1:3]),
            ("permuted", t(2, 3, 4, seed=4).permute(2, 0, 1)),
            ("ints", torch.tensor([[-3, 7], [2**31 - 1, -2**31]], dtype=torch.int32)),
            ("bools", torch.tensor([True, False, True])),
            ("bytes", torch.tensor([0, 200, 255], dtype=torch.uint8)),
            ("int8", torch.tensor([-128, 127], dtype=torch.int8)),
            ("int16", torch.tensor([-32768, 12345], dtype=torch.int16)),
            ("f64", torch.tensor([1e-3, -2.5], dtype=torch.float64)),
        ])),
    ])


def save_bytes(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


def tensors_of(obj):
    """What torch.load gives, flattened to {name: tensor} for the dict cases the reader accepts."""
    out = {}
    for k, v in obj.items():
        if torch.is_tensor(v):
            out[k] = {"shape": list(v.shape), "values": [float(x) for x in v.to(torch.float32).flatten()]}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "fixtures"))
    args = ap.parse_args()
    torch.manual_seed(0)
    d = os.path.join(os.path.abspath(args.out), "reader")
    os.makedirs(d, exist_ok=True)
    expected = {"torch": torch.__version__}
    for name, obj in cases().items():
        data = save_bytes(obj)
        assert data == save_bytes(obj), name + ": torch.save is not deterministic"
        with open(os.path.join(d, name + ".pth"), "wb") as f:
            f.write(data)
        back = torch.load(os.path.join(d, name + ".pth"))
        if name == "views":
            # the views are saved as views: they share storages with their bases (torch keeps the storage whole)
            assert back["column"].stride() == (4,) and back["expanded"].stride() == (0, 1), back["column"].stride()
            assert back["offset_block"].storage_offset() == 5
            expected[name] = tensors_of(back)
        elif isinstance(back, dict):
            expected[name] = {"keys": [str(k) for k in back.keys()]}
        expected[name + ".sha256"] = hashlib.sha256(data).hexdigest()
    expected["a"] = tensors_of({"a": cases()["nested"]["state_dict"]["model"]["a"]})["a"]
    expected["b"] = tensors_of({"b": cases()["nested"]["state_dict"]["model"]["b"]})["b"]
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
