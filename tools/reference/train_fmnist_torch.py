#!/usr/bin/env python3
"""The Fashion-MNIST recipe of `swin train --recipe fashion-mnist` in PyTorch eager, for comparison with swin4j:
same model (the official SwinTransformer: img 32, patch 4, embed 64, depths 2-2, heads 2-4, window 4,
drop path 0.05), same data pipeline (RandomResizedCrop 32 scale 0.75-1 bicubic, horizontal flip, normalise
0.2860/0.3530; test images resized 28->32 bicubic), AdamW with the official no-decay groups, lr 1e-3 at batch 32
(1.6e-2 per 512), per-step cosine with 1 warm-up epoch, clipping 5, label smoothing 0.1.

Prints the mean loss every 50 steps, the training throughput (images/s, data loading included, as swin4j's
figure) and the test top-1 after each epoch. Run from the repository root (Debian's torch 1.13):
  /usr/bin/python3 tools/reference/train_fmnist_torch.py --official /tmp/ref/official --timm /tmp/ref/timm \
      [--epochs 25] [--max-steps N] [--threads 2] [--workers 1]
"""
import argparse, gzip, math, os, sys, time

import numpy as np
import torch
import torch.nn as nn
from PIL import Image
from torchvision import transforms

MEAN, STD = 0.2860, 0.3530


def read_idx(path):
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)


class FashionMnist(torch.utils.data.Dataset):
    def __init__(self, root, split, transform):
        p = "train" if split == "train" else "t10k"
        self.images = read_idx(os.path.join(root, f"{p}-images-idx3-ubyte.gz"))
        self.labels = read_idx(os.path.join(root, f"{p}-labels-idx1-ubyte.gz"))
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.transform(Image.fromarray(self.images[i], "L").convert("RGB")), int(self.labels[i])


def param_groups(model, weight_decay):
    # The official build_optimizer: no decay on 1-D parameters, biases and the skip keywords.
    skip = {"absolute_pos_embed"}
    skip_kw = {"relative_position_bias_table"}
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if len(p.shape) == 1 or name.endswith(".bias") or name in skip or any(k in name for k in skip_kw):
            no_decay.append(p)
        else:
            decay.append(p)
    return [{"params": decay}, {"params": no_decay, "weight_decay": 0.0}]


def lr_at(step, base, warmup_lr, min_lr, warmup_steps, total_steps):
    # timm CosineLRScheduler(t_initial = total - warmup, warmup_prefix=True, t_in_epochs=False), stepped per update.
    if step < warmup_steps:
        return warmup_lr + step * (base - warmup_lr) / warmup_steps
    t = step - warmup_steps
    return min_lr + 0.5 * (base - min_lr) * (1 + math.cos(math.pi * t / (total_steps - warmup_steps)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--official", default=os.environ.get("SWIN_OFFICIAL_SRC", "/tmp/ref/official"))
    ap.add_argument("--timm", default=os.environ.get("TIMM_SRC", "/tmp/ref/timm"))
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--warmup-epochs", type=int, default=1)
    ap.add_argument("--max-steps", type=int, default=0, help="stop after N steps (throughput runs)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--embed-dim", type=int, default=64)
    ap.add_argument("--depths", default="2,2")
    ap.add_argument("--heads", default="2,4")
    ap.add_argument("--drop-path", type=float, default=0.05)
    ap.add_argument("--lr", type=float, default=8e-3, help="per 512 images")
    ap.add_argument("--reprob", type=float, default=0.0, help="random erasing (pixel mode)")
    a = ap.parse_args()
    sys.path[:0] = [a.official, a.timm]
    import warnings
    warnings.filterwarnings("ignore")
    from models.swin_transformer import SwinTransformer
    from timm.data.random_erasing import RandomErasing

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    train_tf = transforms.Compose([
        transforms.RandomResizedCrop(32, scale=(0.75, 1.0), interpolation=transforms.InterpolationMode.BICUBIC),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize([MEAN] * 3, [STD] * 3),
    ] + ([RandomErasing(a.reprob, mode="pixel", device="cpu")] if a.reprob > 0 else []))
    test_tf = transforms.Compose([transforms.Resize(32, interpolation=transforms.InterpolationMode.BICUBIC),
                                  transforms.ToTensor(), transforms.Normalize([MEAN] * 3, [STD] * 3)])
    train = torch.utils.data.DataLoader(FashionMnist(a.data, "train", train_tf), batch_size=a.batch_size, shuffle=True,
                                        drop_last=True, num_workers=a.workers, persistent_workers=a.workers > 0)
    test = torch.utils.data.DataLoader(FashionMnist(a.data, "test", test_tf), batch_size=256, num_workers=a.workers)
    model = SwinTransformer(img_size=32, patch_size=4, in_chans=3, num_classes=10, embed_dim=a.embed_dim,
                            depths=[int(d) for d in a.depths.split(",")], num_heads=[int(h) for h in a.heads.split(",")],
                            window_size=4, drop_path_rate=a.drop_path)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {a.workers} loader workers, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters", flush=True)
    scale = a.batch_size / 512
    base, warmup_lr, min_lr = a.lr * scale, a.lr * 1e-3 * scale, a.lr * 1e-2 * scale
    opt = torch.optim.AdamW(param_groups(model, 0.05), lr=base, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    steps_per_epoch = len(train)
    total, warmup = a.epochs * steps_per_epoch, a.warmup_epochs * steps_per_epoch
    step, window, t_images, t_seconds = 0, [], 0, 0.0
    for epoch in range(a.epochs):
        model.train()
        start = time.perf_counter()
        images = 0
        for x, y in train:
            for g in opt.param_groups:
                g["lr"] = lr_at(max(0, step - 1), base, warmup_lr, min_lr, warmup, total)
            loss = criterion(model(x), y)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            step += 1
            images += x.shape[0]
            window.append(loss.item())
            if step % 50 == 0:
                el = time.perf_counter() - start
                print(f"step {step}: loss {np.mean(window):.3f} lr {opt.param_groups[0]['lr']:.2e} "
                      f"{images / el:.1f} img/s", flush=True)
                window = []
            if a.max_steps and step >= a.max_steps:
                break
        seconds = time.perf_counter() - start
        t_images += images
        t_seconds += seconds
        model.eval()
        correct = n = 0
        with torch.no_grad():
            for x, y in test:
                correct += (model(x).argmax(1) == y).sum().item()
                n += len(y)
        print(f"epoch {epoch + 1}: {images / seconds:.1f} img/s train, test top-1 {correct / n:.4f}", flush=True)
        if a.max_steps and step >= a.max_steps:
            break
    print(f"training throughput: {t_images / t_seconds:.1f} img/s over {t_images} images", flush=True)


if __name__ == "__main__":
    main()
