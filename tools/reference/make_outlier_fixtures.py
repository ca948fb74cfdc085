#!/usr/bin/env python3
"""Outlier statistics (issue 19, Bondarenko et al. 2023) of fixed tensors, in numpy float64, for BlockStatistics:
per sample the infinity norm max|x| and the kurtosis E[(x-mu)^4]/(sigma^4 + 1e-6) (mu, sigma: mean and population std
over all the sample's elements), and, for attention probabilities (B, nW, heads, N, N), per sample and head the mean
over windows and queries of the largest single-key probability and the fraction of queries whose largest probability
exceeds 0.5. Writes fixtures/outliers/{activations,inf_norm,kurtosis,probs,head_max_prob,head_no_op_fraction}.npy.
Run from the repository root:  /usr/bin/python3 tools/reference/make_outlier_fixtures.py
"""
import os

import numpy as np

OUT = os.path.join("fixtures", "outliers")


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(19)
    x = rng.standard_normal((2, 16, 8)).astype(np.float32)
    # Planted outliers: sample 0 has one large positive channel value, sample 1 a negative one and a hot channel.
    x[0, 3, 5] = 40.0
    x[1, 7, 2] = -25.0
    x[1, :, 6] += 6.0
    flat = x.reshape(2, -1).astype(np.float64)
    inf_norm = np.abs(flat).max(axis=1)
    mu = flat.mean(axis=1, keepdims=True)
    sigma = flat.std(axis=1)  # population (ddof=0)
    kurt = ((flat - mu) ** 4).mean(axis=1) / (sigma ** 4 + 1e-6)

    # Attention: B=2, nW=3, heads=2, N=4; head 1 of sample 0 is a "no-op" head that puts 0.9 on key 0.
    logits = rng.standard_normal((2, 3, 2, 4, 4))
    logits[0, :, 1, :, 0] += 5.0
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    p = p.astype(np.float32)
    top = p.astype(np.float64).max(axis=-1)  # (B, nW, heads, N)
    head_max = top.mean(axis=(1, 3))
    no_op = (top > 0.5).mean(axis=(1, 3))

    np.save(os.path.join(OUT, "activations.npy"), x)
    np.save(os.path.join(OUT, "inf_norm.npy"), inf_norm.astype(np.float32))
    np.save(os.path.join(OUT, "kurtosis.npy"), kurt.astype(np.float32))
    np.save(os.path.join(OUT, "probs.npy"), p)
    np.save(os.path.join(OUT, "head_max_prob.npy"), head_max.astype(np.float32))
    np.save(os.path.join(OUT, "head_no_op_fraction.npy"), no_op.astype(np.float32))
    print("inf_norm", inf_norm, "kurtosis", kurt, "head_max", head_max.tolist(), "no_op", no_op.tolist())


if __name__ == "__main__":
    main()
