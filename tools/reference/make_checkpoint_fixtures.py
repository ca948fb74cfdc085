#!/usr/bin/env python3
"""Small checkpoint files for the Java reader tests: dtypes, views, shared storages, wrappers, and broken or
hostile files. Expected values are written by torch itself to expected.json (fp32 lists).

Run from the repository root:  /usr/bin/python3 tools/reference/make_checkpoint_fixtures.py
"""
import argparse, collections, io, json, os, pickle, struct, zipfile

import torch

OUT = "fixtures/checkpoints"


def values(t):
    return {"shape": list(t.shape), "values": t.detach().float().reshape(-1).tolist()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=OUT)
    out = ap.parse_args().out
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    expected = {}

    base = torch.randn(4, 6, generator=g)
    shared = torch.randn(10, generator=g)
    sd = collections.OrderedDict()
    sd["f32"] = base.clone()
    sd["f16"] = torch.randn(3, 5, generator=g).half()
    sd["bf16"] = torch.randn(2, 7, generator=g).bfloat16()
    sd["f64"] = torch.randn(3, generator=g).double()
    sd["i64"] = torch.arange(-3, 9, dtype=torch.int64).reshape(3, 4)
    sd["transposed"] = base.t()                  # non-contiguous view of its own storage
    sd["sliced"] = base[1:3, 2:5]                # storage offset + strides
    sd["shared_a"] = shared[:6]                  # two tensors sharing one storage
    sd["shared_b"] = shared[4:].view(2, 3)
    sd["scalar"] = torch.tensor(2.5)
    sd["empty"] = torch.zeros(0, 3)
    sd["param"] = torch.nn.Parameter(torch.randn(2, 2, generator=g))
    for k, v in sd.items():
        expected[k] = values(v)
    torch.save(sd, f"{out}/dtypes_views.pth")
    # the views must stay views in the file (that is what the reader's view handling is tested on): reloaded,
    # transposed and sliced still share base's storage with their strides and offset, shared_a/shared_b
    # share one storage, and f32 (a clone) has its own
    back = torch.load(f"{out}/dtypes_views.pth")
    def storage_ptr(t):
        return t.storage().data_ptr()
    assert storage_ptr(back["transposed"]) == storage_ptr(back["sliced"])
    assert storage_ptr(back["transposed"]) != storage_ptr(back["f32"])
    assert back["transposed"].stride() == (1, 6) and not back["transposed"].is_contiguous()
    assert back["sliced"].storage_offset() == 1 * 6 + 2 and back["sliced"].stride() == (6, 1)
    assert storage_ptr(back["shared_a"]) == storage_ptr(back["shared_b"]) and back["shared_b"].storage_offset() == 4
    for k, v in sd.items():
        assert back[k].dtype == v.dtype and torch.equal(back[k], v.detach()), k

    small = collections.OrderedDict(weight=torch.randn(2, 3, generator=g), bias=torch.randn(2, generator=g))
    expected["small"] = {k: values(v) for k, v in small.items()}
    torch.save({"model": small}, f"{out}/wrapped_model.pth")
    torch.save(collections.OrderedDict(("module." + k, v) for k, v in small.items()), f"{out}/module_prefix.pth")
    torch.save({"meta": {"epoch": 3, "CLASSES": ["a", "b"]}, "state_dict": small}, f"{out}/mmdet_style.pth")
    torch.save({"model": small, "epoch": 12, "config": argparse.Namespace(lr=0.1)}, f"{out}/training_checkpoint.pth")
    torch.save(small, f"{out}/legacy.pth", _use_new_zipfile_serialization=False)

    raw = open(f"{out}/wrapped_model.pth", "rb").read()
    open(f"{out}/truncated.pth", "wb").write(raw[: len(raw) // 2])
    with zipfile.ZipFile(f"{out}/wrapped_model.pth") as zin, zipfile.ZipFile(f"{out}/missing_storage.pth", "w") as zout:
        names = zin.namelist()
        victim = sorted(n for n in names if "/data/" in n)[0]
        for n in names:
            if n != victim:
                zout.writestr(zin.getinfo(n), zin.read(n))

    marker = "/tmp/swin4j_pwned_marker"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    class EvalEvil:
        def __reduce__(self):
            return (eval, ("__import__('os').system('touch " + marker + "')",))

    torch.save({"model": small, "x": Evil()}, f"{out}/hostile_os_system.pth")
    torch.save({"model": small, "x": EvalEvil()}, f"{out}/hostile_eval.pth")
    if os.path.exists(marker):
        os.remove(marker)  # torch.save does not run __reduce__'s callable, but be sure

    # safetensors, written by hand (no safetensors package here)
    def st(path, tensors, header_override=None, data_override=None, raw_header=None):
        header, blobs, off = {"__metadata__": {"format": "pt", "source": "swin4j-test"}}, [], 0
        for k, t in tensors.items():
            b = t.contiguous().numpy().tobytes() if t.dtype != torch.bfloat16 else t.view(torch.int16).numpy().tobytes()
            dt = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}[t.dtype]
            header[k] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
            blobs.append(b)
            off += len(b)
        if header_override:
            header_override(header)
        h = raw_header if raw_header is not None else json.dumps(header).encode()
        with open(path, "wb") as f:
            f.write(struct.pack("<Q", len(h)) + h + (data_override if data_override is not None else b"".join(blobs)))

    stt = collections.OrderedDict(a=torch.randn(3, 4, generator=g), h=torch.randn(5, generator=g).half(),
                                  b=torch.randn(2, 2, generator=g).bfloat16(), i=torch.arange(6).reshape(2, 3))
    expected["safetensors"] = {k: values(v) for k, v in stt.items()}
    st(f"{out}/valid.safetensors", stt)
    st(f"{out}/overlap.safetensors", stt, header_override=lambda h: h["h"].__setitem__("data_offsets", [0, 10]))
    st(f"{out}/bad_json.safetensors", stt, raw_header=b"{not json")
    with open(f"{out}/header_past_eof.safetensors", "wb") as f:
        f.write(struct.pack("<Q", 10 ** 6) + b"{}")
    st(f"{out}/short_data.safetensors", stt, data_override=b"\0" * 8)

    # values torch produces when rounding fp32 to fp16 / bf16 (for the writer's rounding)
    r = torch.tensor([0.1, -1.5, 3.14159, 65504.0, 70000.0, 1e-8, 6e-5, -2.0 ** -20, 1.0 + 2 ** -11, 1.0 + 3 * 2 ** -11])
    expected["rounding"] = {"input": r.tolist(), "f16": r.half().float().tolist(), "bf16": r.bfloat16().float().tolist()}
    with open(f"{out}/expected.json", "w") as f:
        json.dump(expected, f)
    print("wrote", sorted(os.listdir(out)))


if __name__ == "__main__":
    main()
