#!/usr/bin/env python3
"""The bundled model registry (swin4j-core/src/main/resources/io/swin4j/hub/models.json), read from the public sources
rather than typed: every URL comes from one of
  - microsoft/Swin-Transformer MODELHUB.md (GitHub release links: V1 v1.0.0/v1.0.8, Swin-MLP v1.0.5, V2 v2.0.0),
  - timm's swin_transformer.py / swin_transformer_v2.py default_cfgs (hf_hub_id 'timm/' + model name and tag,
    timm/models/_registry.py; file model.safetensors, timm/models/_hub.py HF_SAFE_WEIGHTS_NAME),
  - torchvision's swin_transformer.py Weights enums (the sha256 prefix in the file name, as torch.hub checks it).
No hashes are invented: only torchvision publishes one (a prefix). Deterministic; asserts its own counts.
Run from the repository root:
  /usr/bin/python3 tools/reference/make_model_registry.py --official /tmp/ref/official --timm /tmp/ref/timm
"""
import argparse, json, os, re, sys

OUT = "swin4j-core/src/main/resources/io/swin4j/hub/models.json"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--official", default=os.environ.get("SWIN_OFFICIAL_SRC", "/tmp/ref/official"))
    ap.add_argument("--timm", default=os.environ.get("TIMM_SRC", "/tmp/ref/timm"))
    ap.add_argument("--torchvision", default=None, help="torchvision/models/swin_transformer.py (default: the installed one)")
    a = ap.parse_args()
    if a.torchvision is None:
        import torchvision.models.swin_transformer as tvs
        a.torchvision = tvs.__file__
    OFF = open(os.path.join(a.official, 'MODELHUB.md')).read()
    urls = sorted(set(re.findall(r'https://github\.com/SwinTransformer/storage/releases/download/v[0-9.]+/[A-Za-z0-9_]+\.pth', OFF)))
    V1_PRESETS = {f"swin_{s}_patch4_window{w}_{i}" for s in ["tiny","small","base","large"] for w,i in [(7,224),(12,384)]}
    def v1_preset(stem):
        if stem.endswith('_22k'): return stem[:-4] + '_in22k', 21841
        for suf in ['_22kto1k_finetune', '_22kto1k']:
            if stem.endswith(suf): return stem[:-len(suf)], 1000
        return stem, 1000
    groups = []
    off_v1, off_v2, off_mlp, skipped = [], [], [], []
    for u in urls:
        stem = u.rsplit('/',1)[1][:-4]
        if stem.startswith('swinv2_'):
            off_v2.append(dict(name=stem, preset=stem, url=u, file='official/'+stem+'.pth', num_classes=21841 if stem.endswith('_22k') else 1000))
        elif stem.startswith('swin_mlp_'):
            off_mlp.append(dict(name=stem, preset=stem, url=u, file='official/'+stem+'.pth', num_classes=1000))
        else:
            p, n = v1_preset(stem)
            if p.replace('_in22k','') not in V1_PRESETS: skipped.append(u); continue
            off_v1.append(dict(name=stem, preset=p, url=u, file='official/'+stem+'.pth', num_classes=n))
    CITE_OFF = "microsoft/Swin-Transformer MODELHUB.md at f82860bf (GitHub release links; no hashes published)"
    groups.append(dict(family='V1', source='official', cited_from=CITE_OFF, entries=off_v1))
    groups.append(dict(family='V2', source='official', cited_from=CITE_OFF, entries=off_v2))
    groups.append(dict(family='MLP', source='official', cited_from=CITE_OFF, entries=off_mlp))

    def timm(path, family, mapper):
        src = open(path).read()
        block = src[src.index('default_cfgs = generate_default_cfgs({'):]
        block = block[:block.index('\n})')]
        out = []
        keys = list(re.finditer(r"'([a-z0-9_]+)\.([a-z0-9_]+)': _cfg\(", block))
        for i, m in enumerate(keys):
            arch, tag = m.groups()
            body = block[m.end(): keys[i + 1].start() if i + 1 < len(keys) else len(block)]
            if 'hf_hub_id=\'timm/\'' not in body: continue
            r = mapper(arch, tag)
            if r is None: continue
            preset, n = r
            nc = re.search(r'num_classes=(\d+)', body)
            n = int(nc.group(1)) if nc else 1000
            name = f"timm/{arch}.{tag}"
            out.append(dict(name=name, preset=preset, url=f"https://huggingface.co/timm/{arch}.{tag}/resolve/main/model.safetensors",
                            file=f"timm/{arch}.{tag}.safetensors", num_classes=n))
        return out
    def v1map(arch, tag):
        if arch.startswith('swin_s3'): return None
        return (arch + '_in22k' if tag == 'ms_in22k' else arch), None
    def v2map(arch, tag):
        m = re.fullmatch(r'swinv2_(tiny|small|base|large)_window(\d+(?:to\d+)?)_(\d+(?:to\d+)?)', arch)
        size, win, img = m.groups()
        p = f"swinv2_{size}_patch4_window{win}_{img}"
        if tag == 'ms_in22k': p += '_22k'
        elif tag == 'ms_in22k_ft_in1k': p += '_22kto1k_ft'
        return p, None
    CITE_TIMM = ("timm aa4b5850 timm/models/{f} default_cfgs (hf_hub_id='timm/' + model name and tag, _registry.py); "
                 "file model.safetensors (timm/models/_hub.py HF_SAFE_WEIGHTS_NAME; listed in the hub repos' file trees); "
                 "no hashes published in timm")
    groups.append(dict(family='V1', source='timm', cited_from=CITE_TIMM.format(f='swin_transformer.py'), entries=timm(os.path.join(a.timm, 'timm/models/swin_transformer.py'),'V1',v1map)))
    groups.append(dict(family='V2', source='timm', cited_from=CITE_TIMM.format(f='swin_transformer_v2.py'), entries=timm(os.path.join(a.timm, 'timm/models/swin_transformer_v2.py'),'V2',v2map)))

    tv = open(a.torchvision).read()
    tvurls = re.findall(r'url="(https://download\.pytorch\.org/models/(swin_[a-z0-9_]+)-([0-9a-f]+)\.pth)"', tv)
    TVP = {'swin_t':'swin_tiny_patch4_window7_224','swin_s':'swin_small_patch4_window7_224','swin_b':'swin_base_patch4_window7_224',
           'swin_v2_t':'swin_v2_t','swin_v2_s':'swin_v2_s','swin_v2_b':'swin_v2_b'}
    CITE_TV = ("torchvision 0.14 torchvision/models/swin_transformer.py Swin_{T,S,B}_Weights / Swin_V2_{T,S,B}_Weights.IMAGENET1K_V1; "
               "sha256 prefix from the file name, as torch.hub.load_state_dict_from_url(check_hash=True) verifies it (torch/hub.py HASH_REGEX)")
    for fam, pred in [('V1', lambda a: not a.startswith('swin_v2')), ('V2', lambda a: a.startswith('swin_v2'))]:
        es = [dict(name='torchvision/'+a, preset=TVP[a], url=u, file='torchvision/'+u.rsplit('/',1)[1], num_classes=1000, sha256_prefix=h)
              for u,a,h in tvurls if pred(a)]
        groups.append(dict(family=fam, source='torchvision', cited_from=CITE_TV, entries=es))
    for g in groups:
        for e in g['entries']:
            if e.get('num_classes') is None: e['num_classes'] = 1000
    doc = dict(schema='swin4j-registry/1',
               note="Named public weight files. Names: official file stems (bare), timm/<model>.<tag> (the HF hub repo id), torchvision/<builder>. A name without its source prefix is accepted where it is unique.",
               groups=groups)
    counts = {(g['family'], g['source']): len(g['entries']) for g in groups}
    assert counts == {('V1', 'official'): 16, ('V2', 'official'): 12, ('MLP', 'official'): 4, ('V1', 'timm'): 16,
                      ('V2', 'timm'): 12, ('V1', 'torchvision'): 3, ('V2', 'torchvision'): 3}, counts
    names = [e['name'] for g in groups for e in g['entries']]
    assert len(set(names)) == len(names), 'duplicate names'
    assert len({n.split('/')[-1] for n in names}) == len(names), 'short names must be unique'
    assert all(e['url'].startswith('https://') for g in groups for e in g['entries'])
    with open(OUT, 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')
    for g in groups: print(g['family'], g['source'], len(g['entries']))
    print('left out (no swin4j preset):', skipped)


if __name__ == "__main__":
    main()
