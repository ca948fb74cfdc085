#!/usr/bin/env bash
# Full-size parity check (not part of `mvn test`): generates random-weight Swin-T 224 (torchvision and official),
# Swin-B 384 window 12 (official), torchvision swin_v2_t 256 and the official swinv2_tiny_patch4_window8_256
# references with Debian torch into target/fullsize, then runs the
# `fullsize` Maven profile against them. Needs /usr/bin/python3 with python3-torch/python3-torchvision and the
# official and timm sources extracted as tools/reference/README.md says (defaults: /tmp/ref/official, /tmp/ref/timm).
set -euo pipefail
cd "$(dirname "$0")/../.."
OFFICIAL="${SWIN_OFFICIAL_SRC:-/tmp/ref/official}"
TIMM="${TIMM_SRC:-/tmp/ref/timm}"
if [ ! -f target/fullsize/official_swin_b_384_w12/meta.json ] || [ ! -f target/fullsize/official_swinv2_tiny_w8_256/meta.json ]; then
  /usr/bin/python3 tools/reference/make_fullsize_fixtures.py --official "$OFFICIAL" --timm "$TIMM" --out target/fullsize
fi
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
mvn -B -q install -DskipTests
mvn -B test -pl swin4j-core -Pfullsize -Dtest=FullSizeParityTest -Dsurefire.failIfNoSpecifiedTests=false
