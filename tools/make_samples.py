#!/usr/bin/env python3
"""Writes samples/: the first Fashion-MNIST test image of each class as a 28x28 PNG named <test index>-<class>.png,
for the README's first command (`./swin predict samples/`). Test images only: the bundled model never saw them.
Run from the repository root:  /usr/bin/python3 tools/make_samples.py [/usr/share/datasets/fashion-mnist]
"""
import gzip, os, sys

from PIL import Image

CLASSES = ["t-shirt-top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def read_idx(path):
    data = gzip.open(path).read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return data[4 + 4 * rank:], dims


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    pixels, (n, h, w) = read_idx(os.path.join(root, "t10k-images-idx3-ubyte.gz"))
    labels, _ = read_idx(os.path.join(root, "t10k-labels-idx1-ubyte.gz"))
    os.makedirs("samples", exist_ok=True)
    done = set()
    for i in range(n):
        if labels[i] in done:
            continue
        done.add(labels[i])
        Image.frombytes("L", (w, h), pixels[i * h * w:(i + 1) * h * w]).save(f"samples/{i:04d}-{CLASSES[labels[i]]}.png")
        if len(done) == len(CLASSES):
            break
    print(f"wrote {len(done)} samples to samples/")


if __name__ == "__main__":
    main()
