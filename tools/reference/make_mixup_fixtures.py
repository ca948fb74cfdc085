#!/usr/bin/env python3
"""Mixup / CutMix / label-smoothing references from timm's own functions (timm.data.mixup, timm.loss), with the
random draws fixed: mixup at a given lambda, cutmix with the box timm's rand_bbox draws under a numpy seed
(recorded, with timm's corrected lambda), and SoftTargetCrossEntropy. Writes fixtures/mixup/cases.json, and
fixtures/mixup/rand_bbox.json: timm's cutmix_bbox_and_lam (rand_bbox, correct_lam=True) for 400 drawn lambdas and image
sizes, each with the box centre timm drew (numpy seed per case, re-drawn after re-seeding).
Run from the repository root:  /usr/bin/python3 tools/reference/make_mixup_fixtures.py --timm /tmp/ref/timm
"""
import argparse, json, os, sys

import numpy as np
import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timm", default=os.environ.get("TIMM_SRC", "/tmp/ref/timm"))
    sys.path.insert(0, ap.parse_args().timm)
    from timm.data.mixup import mixup_target, cutmix_bbox_and_lam
    from timm.loss import SoftTargetCrossEntropy

    g = torch.Generator().manual_seed(4)
    x = torch.randn(4, 3, 8, 10, generator=g)
    target = torch.tensor([1, 3, 0, 2])
    cases = {"input": x.flatten().tolist(), "shape": list(x.shape), "target": target.tolist(), "num_classes": 5,
             "smoothing": 0.1}
    lam = 0.3
    mixed = x.clone().mul_(lam).add_(x.flip(0).mul_(1 - lam))
    cases["mixup"] = {"lam": lam, "output": mixed.flatten().tolist(),
                      "target": mixup_target(target, 5, lam, 0.1).flatten().tolist()}
    np.random.seed(7)
    (yl, yh, xl, xh), lam2 = cutmix_bbox_and_lam(x.shape, 0.6, correct_lam=True)
    cut = x.clone()
    cut[:, :, yl:yh, xl:xh] = x.flip(0)[:, :, yl:yh, xl:xh]
    np.random.seed(7)
    cy, cx = np.random.randint(0, 8), np.random.randint(0, 10)
    cases["cutmix"] = {"lam_drawn": 0.6, "center": [int(cy), int(cx)], "box": [int(yl), int(yh), int(xl), int(xh)],
                       "lam": float(lam2), "output": cut.flatten().tolist(),
                       "target": mixup_target(target, 5, float(lam2), 0.1).flatten().tolist()}
    logits = torch.randn(4, 5, generator=g)
    soft = mixup_target(target, 5, 0.3, 0.1)
    cases["soft_ce"] = {"logits": logits.flatten().tolist(), "target": soft.flatten().tolist(),
                        "loss": SoftTargetCrossEntropy()(logits, soft).item()}
    os.makedirs("fixtures/mixup", exist_ok=True)
    with open("fixtures/mixup/cases.json", "w") as f:
        json.dump(cases, f)
    print("box", (yl, yh, xl, xh), "lam", lam2, "center", cy, cx)
    write_rand_bbox_cases(cutmix_bbox_and_lam)


def write_rand_bbox_cases(cutmix_bbox_and_lam):
    pick = np.random.RandomState(123)
    lams = [0.0, 1e-9, 0.5, 0.999999, 1.0] + [float(v) for v in pick.uniform(0, 1, 395)]
    cases = []
    for k, lam in enumerate(lams):
        h, w = int(pick.randint(1, 41)), int(pick.randint(1, 41))
        np.random.seed(1000 + k)
        (yl, yh, xl, xh), lam_c = cutmix_bbox_and_lam((2, 3, h, w), lam, correct_lam=True)
        np.random.seed(1000 + k)
        cy, cx = int(np.random.randint(0, h)), int(np.random.randint(0, w))
        yl, yh, xl, xh = int(yl), int(yh), int(xl), int(xh)
        assert 0 <= yl <= yh <= h and 0 <= xl <= xh <= w, (k, yl, yh, xl, xh)
        assert yl <= cy <= yh and xl <= cx <= xh, (k, cy, cx)
        assert float(lam_c) == 1. - (yh - yl) * (xh - xl) / float(h * w), k
        assert int(h * np.sqrt(1 - lam)) // 2 * 2 >= yh - yl, k  # clipping only shrinks the box
        cases.append({"lam": lam, "h": h, "w": w, "center": [cy, cx], "box": [yl, yh, xl, xh], "lam_corrected": float(lam_c)})
    assert any(c["box"][0] == 0 for c in cases) and any(c["box"][1] == c["h"] for c in cases)  # clipped at both ends
    assert any(0 < c["box"][0] and c["box"][1] < c["h"] and 0 < c["box"][2] and c["box"][3] < c["w"] for c in cases)
    with open("fixtures/mixup/rand_bbox.json", "w") as f:
        json.dump({"cases": cases}, f, indent=0)
    print(len(cases), "rand_bbox cases")


if __name__ == "__main__":
    main()
