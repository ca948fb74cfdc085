# Sourced by ./swin and bench/*.sh: the native environment swin4j is measured with (README, Performance).
# Every variable already set by the caller wins.
#
# This machine presets OPENBLAS_CORETYPE=Haswell (and OPENBLAS_L2_SIZE), which halves GEMM speed on its AMD cores: let OpenBLAS
# detect the core and its caches itself (both are unset together, in this command only).
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
# Thread pools (measured on 2 cores): libtorch's OpenMP pool runs the elementwise ops, attention and norms,
# OpenBLAS's own pool the matrix products. Both at the core count only work when neither spins while the other
# runs: OpenMP threads sleep when idle (PASSIVE) and OpenBLAS threads almost at once (THREAD_TIMEOUT=4, i.e.
# 2^4 cycles).
SWIN4J_CORES="$(nproc)"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$SWIN4J_CORES}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-$SWIN4J_CORES}"
export OPENBLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"
# glibc returns every tensor above 32 MB to the kernel when it is freed, so each forward pass page-faults its
# activations in again (batch 32 Swin-T: half the time). tcmalloc keeps and reuses them. Used when installed
# (apt-get install libtcmalloc-minimal4); SWIN4J_MALLOC=glibc turns it off.
SWIN4J_TCMALLOC=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
if [ "${SWIN4J_MALLOC:-tcmalloc}" = tcmalloc ] && [ -f "$SWIN4J_TCMALLOC" ]; then
  case ":${LD_PRELOAD:-}:" in
    *":$SWIN4J_TCMALLOC:"*) ;;
    *) export LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$SWIN4J_TCMALLOC" ;;
  esac
fi
