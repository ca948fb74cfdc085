#!/usr/bin/python3
"""Fixtures for the segmentation training pipeline (fixtures/seg_augment): mmseg's train transforms and mmcv's poly
learning-rate schedule with linear warm-up, run from their own sources on fixed random draws.

Sources (extracted, never committed):
  /tmp/ref/swinseg: `git -C /work/.mirror/SwinTransformer+Swin-Transformer-Semantic-Segmentation/repo archive HEAD | tar -x -C /tmp/ref/swinseg`
      mmseg/datasets/pipelines/transforms.py (Resize, RandomCrop, RandomFlip, PhotoMetricDistortion, Normalize, Pad)
  /tmp/ref/mmcv: `git -C /work/.mirror/open-mmlab+mmcv/repo archive HEAD | tar -x -C /tmp/ref/mmcv`
      mmcv/image/{geometric,colorspace,photometric}.py (imrescale/imresize on cv2, imflip, impad, bgr2hsv/hsv2bgr,
      imnormalize): these functions are unchanged from mmcv 1.x, which the Swin seg repo ran on.
  /tmp/ref/mmcv1/lr_updater.py: mmcv 1.x mmcv/runner/hooks/lr_updater.py (LrUpdaterHook + PolyLrUpdaterHook, read
      with the read_file tool from open-mmlab/mmcv at 0087cac1492ada6781c9e3ee56d8b6d2631f95d7; its `import mmcv` and
      `from .hook import HOOKS, Hook` replaced by a stub Hook class).
Needs Debian's python3-opencv (cv2 4.6) and numpy; run with /usr/bin/python3.

Stubbed (plumbing only, never the math): mmseg's PIPELINES registry (a decorator that returns the class), mmcv's
package __init__ (a module exposing the mmcv/image functions above), mmengine.utils.to_2tuple / is_tuple_of,
mmcv.utils.deprecated_api_warning (identity decorator), mmcv.is_list_of, mmcv's image io backend (the string 'cv2'), and the runner
of the lr hook (an object with iter, max_iters and one param group).

Random draws: transforms.py draws through numpy (`np.random.*` and `from numpy import random`). Both are replaced by
a scripted source that draws from a seeded RandomState and logs each call (kind, arguments, value); the fixture keeps
the log, and the Java test replays it, checking that the Java transform asks for the same draws in the same order.
"""
import importlib.util
import json
import os
import sys
import types

import cv2
import numpy as np

REF = '/tmp/ref'
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'fixtures', 'seg_augment')


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _pkg(name):
    m = types.ModuleType(name)
    m.__path__ = []
    sys.modules[name] = m
    return m


def build_mmseg_transforms():
    # mmengine.utils stubs (plumbing)
    _pkg('mmengine')
    mu = types.ModuleType('mmengine.utils')
    mu.to_2tuple = lambda x: tuple(x) if isinstance(x, (tuple, list)) else (x, x)
    mu.is_tuple_of = lambda seq, t: isinstance(seq, tuple) and all(isinstance(s, t) for s in seq)
    sys.modules['mmengine.utils'] = mu
    # mmcv.image from the mmcv sources, with its io backend stubbed
    _pkg('mmcvimg')
    io = types.ModuleType('mmcvimg.io')
    io.imread_backend = 'cv2'
    sys.modules['mmcvimg.io'] = io
    colorspace = _load('mmcvimg.colorspace', f'{REF}/mmcv/mmcv/image/colorspace.py')
    geometric = _load('mmcvimg.geometric', f'{REF}/mmcv/mmcv/image/geometric.py')
    photometric = _load('mmcvimg.photometric', f'{REF}/mmcv/mmcv/image/photometric.py')
    mmcv = types.ModuleType('mmcv')
    for mod in (colorspace, geometric, photometric):
        for k, v in vars(mod).items():
            if not k.startswith('_'):
                setattr(mmcv, k, v)
    mmcv.is_list_of = lambda seq, t: isinstance(seq, list) and all(isinstance(s, t) for s in seq)  # mmcv.utils stub
    sys.modules['mmcv'] = mmcv
    mmcv_utils = types.ModuleType('mmcv.utils')
    mmcv_utils.deprecated_api_warning = lambda *a, **k: (lambda f: f)
    mmcv_utils.is_tuple_of = mu.is_tuple_of
    sys.modules['mmcv.utils'] = mmcv_utils
    mmcv.utils = mmcv_utils
    # mmseg registry stub
    _pkg('mmseg')
    _pkg('mmseg.datasets')
    _pkg('mmseg.datasets.pipelines')
    builder = types.ModuleType('mmseg.datasets.builder')

    class Registry:
        def register_module(self, *a, **k):
            return lambda cls: cls
    builder.PIPELINES = Registry()
    sys.modules['mmseg.datasets.builder'] = builder
    return _load('mmseg.datasets.pipelines.transforms', f'{REF}/swinseg/mmseg/datasets/pipelines/transforms.py')


class Script:
    """numpy.random stand-in: draws from a seeded RandomState and logs every call."""

    def __init__(self, seed):
        self.rng = np.random.RandomState(seed)
        self.log = []

    def _next(self, kind, args, value):
        self.log.append({'kind': kind, 'args': list(args), 'value': value})
        return value

    def random_sample(self):
        return self._next('random', [], float(self.rng.random_sample()))

    def rand(self):
        return self._next('random', [], float(self.rng.random_sample()))

    def randint(self, low, high=None):
        if high is None:
            low, high = 0, low
        return self._next('randint', [int(low), int(high)], int(self.rng.randint(low, high)))

    def uniform(self, low=0.0, high=1.0):
        return self._next('uniform', [float(low), float(high)], float(self.rng.uniform(low, high)))


class NpProxy:
    def __init__(self, random):
        self.random = random

    def __getattr__(self, k):
        return getattr(np, k)


def use_script(T, script):
    T.random = script
    T.np = NpProxy(script)


def rgb_png(path, bgr):
    cv2.imwrite(path, bgr)  # cv2 writes BGR arrays as RGB PNGs


def grey_png(path, mask):
    cv2.imwrite(path, mask.astype(np.uint8))


def make_inputs():
    rs = np.random.RandomState(20)
    inputs = {}
    # 53x37: smooth gradients, hard edges and noise, all hues and saturations
    h, w = 37, 53
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.zeros((h, w, 3), np.float64)
    rgb[..., 0] = 255 * x / (w - 1)
    rgb[..., 1] = 255 * y / (h - 1)
    rgb[..., 2] = 127 + 127 * np.sin(x / 4.0 + y / 7.0)
    rgb[10:20, 5:30] = [250, 30, 40]
    rgb[25:35, 30:50] = [20, 20, 20]
    rgb[2:8, 40:52] = [128, 128, 128]
    rgb += rs.randint(-25, 26, size=rgb.shape)
    rgb = np.clip(np.round(rgb), 0, 255).astype(np.uint8)
    mask = np.zeros((h, w), np.uint8)
    mask[10:20, 5:30] = 1
    mask[25:35, 30:50] = 2
    mask[:, 45:] = np.where(mask[:, 45:] == 0, 3, mask[:, 45:])
    mask[0:4, 0:10] = 255
    mask[30:37, 0:6] = 4
    inputs['a'] = (rgb, mask)
    # 64x48 mostly one class: RandomCrop's cat_max_ratio retries (and exhausts them); exact 2x downscale
    h, w = 48, 64
    rgb = rs.randint(0, 256, size=(h, w, 3)).astype(np.uint8)
    rgb = cv2.GaussianBlur(rgb, (5, 5), 1.5)
    mask = np.zeros((h, w), np.uint8)
    mask[40:46, 2:12] = 2
    mask[0:3, :] = 255
    inputs['b'] = (rgb, mask)
    return inputs


def main():
    T = build_mmseg_transforms()
    os.makedirs(OUT, exist_ok=True)
    inputs = make_inputs()
    cases = {'inputs': {}, 'resize': [], 'crop': [], 'photometric': [], 'pipeline': []}
    for name, (rgb, mask) in inputs.items():
        rgb_png(f'{OUT}/input_{name}.png', rgb[..., ::-1])
        grey_png(f'{OUT}/input_{name}_mask.png', mask)
        cases['inputs'][name] = {'image': f'input_{name}.png', 'mask': f'input_{name}_mask.png'}

    def results_of(name):
        rgb, mask = inputs[name]
        return {'img': rgb[..., ::-1].copy(), 'gt_semantic_seg': mask.copy(), 'seg_fields': ['gt_semantic_seg']}

    # Resize with ratio_range: the sampled scale and the cv2 resize (bilinear image, nearest mask)
    k = 0
    for name, img_scale, seed in [('a', (80, 24), 1), ('a', (80, 24), 2), ('a', (200, 60), 3), ('a', (30, 12), 4),
                                  ('b', (64, 24), 5), ('b', (160, 48), 6), ('a', (53, 37), 7)]:
        s = Script(seed)
        use_script(T, s)
        r = results_of(name)
        T.Resize(img_scale=img_scale, ratio_range=(0.5, 2.0))(r)
        f = f'resize_{k}'
        rgb_png(f'{OUT}/{f}.png', r['img'])
        grey_png(f'{OUT}/{f}_mask.png', r['gt_semantic_seg'])
        cases['resize'].append({'input': name, 'imgScale': list(img_scale), 'ratioRange': [0.5, 2.0], 'draws': s.log,
                                'scale': list(r['scale']), 'image': f + '.png', 'mask': f + '_mask.png'})
        k += 1
    # Exact rescale to fixed scales (no draw): exact 2x down (cv2 switches to INTER_AREA), up, odd factors
    for name, scale in [('b', (32, 24)), ('b', (128, 96)), ('a', (41, 41)), ('a', (300, 17)), ('b', (1000, 7))]:
        r = results_of(name)
        r['scale'] = scale
        T.Resize(img_scale=scale)(r)
        f = f'resize_{k}'
        rgb_png(f'{OUT}/{f}.png', r['img'])
        grey_png(f'{OUT}/{f}_mask.png', r['gt_semantic_seg'])
        cases['resize'].append({'input': name, 'imgScale': list(scale), 'ratioRange': None, 'draws': [],
                                'scale': list(scale), 'image': f + '.png', 'mask': f + '_mask.png'})
        k += 1

    # RandomCrop with cat_max_ratio: the crop box after the retries
    for name, crop, ratio, seed in [('a', (20, 24), 0.75, 11), ('a', (20, 24), 0.75, 12), ('b', (24, 32), 0.75, 13),
                                    ('b', (24, 32), 0.75, 14), ('b', (40, 40), 0.95, 15), ('a', (64, 64), 0.75, 16),
                                    ('a', (30, 10), 1.0, 17)]:
        s = Script(seed)
        use_script(T, s)
        r = results_of(name)
        rgb0 = r['img']
        T.RandomCrop(crop_size=crop, cat_max_ratio=ratio)(r)
        # the box: locate the crop in the input (offsets are the last two randint draws)
        draws = [d for d in s.log if d['kind'] == 'randint']
        oy, ox = draws[-2]['value'], draws[-1]['value']
        assert np.array_equal(r['img'], rgb0[oy:oy + crop[0], ox:ox + crop[1]])
        cases['crop'].append({'input': name, 'crop': list(crop), 'catMaxRatio': ratio, 'draws': s.log,
                              'box': [oy, ox, r['img'].shape[0], r['img'].shape[1]]})

    # PhotoMetricDistortion: every branch on seeded draws
    for seed in range(21, 41):
        s = Script(seed)
        use_script(T, s)
        r = results_of('a')
        T.PhotoMetricDistortion()(r)
        f = f'photometric_{seed}'
        rgb_png(f'{OUT}/{f}.png', r['img'])
        cases['photometric'].append({'input': 'a', 'draws': s.log, 'image': f + '.png'})

    # The whole train pipeline of the ADE20K recipe, scaled down: Resize, RandomCrop, RandomFlip, PMD, Normalize, Pad
    norm = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
    for name, img_scale, crop, seed in [('a', (96, 32), (24, 32), 41), ('a', (96, 32), (24, 32), 42), ('b', (128, 40), (32, 32), 43),
                                        ('b', (128, 40), (32, 32), 44), ('a', (64, 16), (24, 32), 45)]:
        s = Script(seed)
        use_script(T, s)
        r = results_of(name)
        for t in [T.Resize(img_scale=img_scale, ratio_range=(0.5, 2.0)), T.RandomCrop(crop_size=crop, cat_max_ratio=0.75),
                  T.RandomFlip(prob=0.5), T.PhotoMetricDistortion(), T.Normalize(**norm),
                  T.Pad(size=crop, pad_val=0, seg_pad_val=255)]:
            r = t(r)
        f = f'pipeline_{seed}'
        np.save(f'{OUT}/{f}.npy', np.ascontiguousarray(r['img'].transpose(2, 0, 1)).astype(np.float32))
        grey_png(f'{OUT}/{f}_mask.png', r['gt_semantic_seg'])
        cases['pipeline'].append({'input': name, 'imgScale': list(img_scale), 'crop': list(crop), 'draws': s.log,
                                  'image': f + '.npy', 'mask': f + '_mask.png', 'mean': norm['mean'], 'std': norm['std']})

    with open(f'{OUT}/cases.json', 'w') as fp:
        json.dump(cases, fp, indent=1)
    schedule()
    print('wrote', OUT)


def schedule():
    sys.path.insert(0, f'{REF}/mmcv1')
    import lr_updater

    class Optim:
        def __init__(self, lr):
            self.param_groups = [{'lr': lr}, {'lr': lr}]

    class Runner:
        def __init__(self, lr, max_iters):
            self.optimizer = Optim(lr)
            self.iter = 0
            self.max_iters = max_iters

    out = []
    for base, max_iters, warmup, ratio, power, min_lr, iters in [
            (6e-5, 160000, 1500, 1e-6, 1.0, 0.0, [0, 1, 2, 10, 749, 1000, 1499, 1500, 1501, 80000, 159999]),
            (0.01, 1000, 100, 0.1, 0.9, 1e-4, list(range(0, 1000, 7)) + [999]),
            (6e-5, 50, 10, 1e-6, 1.0, 0.0, list(range(50))),
            (6e-5, 30, 0, 1e-6, 1.0, 0.0, list(range(30)))]:
        hook = lr_updater.PolyLrUpdaterHook(power=power, min_lr=min_lr, by_epoch=False,
                                            warmup='linear' if warmup > 0 else None, warmup_iters=warmup,
                                            warmup_ratio=ratio)
        runner = Runner(base, max_iters)
        hook.before_run(runner)
        lrs = []
        for it in iters:
            runner.iter = it
            hook.before_train_iter(runner)
            lrs.append(runner.optimizer.param_groups[0]['lr'])
        out.append({'baseLr': base, 'maxIters': max_iters, 'warmupIters': warmup, 'warmupRatio': ratio, 'power': power,
                    'minLr': min_lr, 'iters': iters, 'lr': lrs})
    with open(f'{OUT}/schedule.json', 'w') as fp:
        json.dump(out, fp, indent=1)


if __name__ == '__main__':
    main()
