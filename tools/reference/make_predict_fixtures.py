#!/usr/bin/env python3
"""End-to-end reference for `swin predict`: a folder of images and the top-5 that torchvision's own eval
transforms (Resize(232, bicubic), CenterCrop(224), ToTensor, Normalize) and torchvision's SwinTransformer give
with the tiny random-weight checkpoint of fixtures/parity/torchvision. Also a broken file, to check that a
batch goes on past it.

Run from the repository root:  /usr/bin/python3 tools/reference/make_predict_fixtures.py
"""
import io, json, os

import numpy as np
import torch
from PIL import Image
from torchvision import transforms
from torchvision.models.swin_transformer import SwinTransformer

OUT = "fixtures/predict"


def main():
    torch.set_num_threads(1)  # fixed reduction order -> reruns are byte-identical
    os.makedirs(f"{OUT}/images", exist_ok=True)
    rng = np.random.RandomState(3)
    # smooth synthetic photos-to-be of different sizes, formats and modes
    specs = [("a_landscape.jpg", (300, 200), "RGB"), ("b_portrait.png", (181, 257), "RGB"),
             ("c_gray.png", (240, 240), "L"), ("d_rgba.png", (260, 210), "RGBA"), ("e_small.bmp", (120, 90), "RGB")]
    for name, (w, h), mode in specs:
        yy, xx = np.mgrid[0:h, 0:w]
        chans = []
        for c in range(4):
            f = rng.uniform(0.01, 0.06, size=2)
            ph = rng.uniform(0, 6.28)
            chans.append(127.5 + 100 * np.sin(xx * f[0] + yy * f[1] + ph) + rng.normal(0, 12, size=(h, w)))
        arr = np.clip(np.stack(chans, -1), 0, 255).astype(np.uint8)
        img = Image.fromarray(arr[..., :4], "RGBA").convert(mode) if mode != "RGBA" else Image.fromarray(arr, "RGBA")
        img.save(f"{OUT}/images/{name}", quality=90) if name.endswith(".jpg") else img.save(f"{OUT}/images/{name}")
    with open(f"{OUT}/images/f_broken.jpg", "wb") as f:
        f.write(b"\xff\xd8\xff\xe0 this is not really a jpeg")

    model = SwinTransformer(patch_size=[4, 4], embed_dim=12, depths=[2, 2, 2, 2], num_heads=[1, 2, 4, 8],
                            window_size=[4, 4], num_classes=10, stochastic_depth_prob=0.0)
    model.load_state_dict(torch.load("fixtures/parity/torchvision/torchvision.pth"))
    model.eval()
    tf = transforms.Compose([transforms.Resize(232, interpolation=transforms.InterpolationMode.BICUBIC),
                             transforms.CenterCrop(224), transforms.ToTensor(),
                             transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    expected, embeddings = {}, {}
    for name, _, _ in specs:
        x = tf(Image.open(f"{OUT}/images/{name}").convert("RGB")).unsqueeze(0)
        with torch.no_grad():
            emb = model.flatten(model.avgpool(model.permute(model.norm(model.features(x)))))
            logits = model(x)
            assert torch.equal(model.head(emb), logits)  # emb is exactly what the head sees
            p = logits.softmax(-1)[0]
        top = torch.topk(p, 5)
        expected[name] = {"indices": top.indices.tolist(), "probabilities": top.values.tolist()}
        embeddings[name] = emb[0].tolist()
    # rows must be told apart: any two images' embeddings differ by far more than the test tolerance (1e-4), so
    # a permuted row order cannot pass
    names = list(embeddings)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            gap = max(abs(a - b) for a, b in zip(embeddings[names[i]], embeddings[names[j]]))
            assert gap > 1e-2, (names[i], names[j], gap)
    with open(f"{OUT}/expected.json", "w") as f:
        json.dump({"weights": "../parity/torchvision/torchvision.pth", "transform": "Resize(232, bicubic), CenterCrop(224), "
                   "ToTensor, Normalize(ImageNet)", "broken": ["f_broken.jpg"], "top5": expected,
                   "embedding": "features -> norm -> permute -> avgpool -> flatten (before the head), fp32",
                   "embeddings": embeddings}, f, indent=1)
    print("wrote", sorted(os.listdir(f"{OUT}/images")))


if __name__ == "__main__":
    main()
