#!/usr/bin/env bash
# The GPU check, in one command on a machine with a CUDA PyTorch in its
# python3 but no Node and no internet (the device tool's machine):
#   prepare here:  node node_modules/typescript/bin/tsc -p tsconfig.json && node scripts/gpu-bundle.mjs
#   run there:     bash scripts/gpu-check.sh          (carry: [".gpu/bundle"])
#   rehearse here: bash scripts/gpu-check.sh --cpu-dry-run
# It unpacks Node, dist/ and the node_modules it needs from .gpu/bundle into
# a work folder (the checkout is left as it is), builds the addon against
# python3's torch package folder (LIBTORCH: a libtorch layout with include/,
# lib/, share/; used in place, since its libraries find the nvidia-* wheels'
# through RPATHs relative to themselves), then runs the tests (the CUDA ones
# must run: YOLO_REQUIRE_CUDA=1) and the training-step and detect benchmarks
# on cuda:0. --cpu-dry-run does the same against a LIBTORCH made of
# symlinks to Debian's libtorch (/usr/include, /usr/lib/x86_64-linux-gnu):
# the CUDA tests skip and the benchmarks are left out (GPU_CHECK_LIBTORCH=DIR
# rehearses against another CPU libtorch instead). Results go to $OUT
# (the device tool's; here .gpu/out): gpu-check.log, versions.txt,
# build.log, tests.log, bench-train.log, bench-detect.log, summary.json.
# GPU_CHECK_BUILD=direct compiles with g++ alone (the fallback when there is
# no make); GPU_CHECK_TESTS overrides the test selection.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUNDLE=${GPU_BUNDLE:-$ROOT/.gpu/bundle}
OUT_DIR=${OUT:-$ROOT/.gpu/out}
DRY=0
[[ "${1:-}" == "--cpu-dry-run" ]] && DRY=1
WORK=${GPU_CHECK_WORK:-$(mktemp -d /tmp/yolov3-gpu-check.XXXXXX)}
TESTS=${GPU_CHECK_TESTS:-torch/ train/cuda_step train/ddp/backend}
JOBS=$(nproc 2>/dev/null || echo 4)
mkdir -p "$OUT_DIR" "$WORK"
exec > >(tee -a "$OUT_DIR/gpu-check.log") 2>&1

declare -A RESULT
step() { echo; echo "== $(date -u +%H:%M:%S) $*"; }
finish() {
  python3 - "$OUT_DIR/summary.json" "$DRY" "${!RESULT[@]}" -- "${RESULT[@]}" <<'PY'
import json, sys
out, dry, rest = sys.argv[1], sys.argv[2] == '1', sys.argv[3:]
keys, values = rest[:rest.index('--')], rest[rest.index('--') + 1:]
summary = {'cpuDryRun': dry, **dict(zip(keys, values))}
json.dump(summary, open(out, 'w'), indent=2)
print(json.dumps(summary, indent=2))
PY
  exit "$1"
}
unpack() { # archive folder: tar.xz through Python, which needs no xz binary
  python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2], **({"filter": "fully_trusted"} if hasattr(tarfile, "data_filter") else {}))' "$1" "$2"
}

step "bundle $BUNDLE, work folder $WORK, results $OUT_DIR"
for f in node.tar.xz dist.tar.xz node_modules.tar.xz gloo-include.tar.xz; do
  [[ -f "$BUNDLE/$f" ]] || { echo "missing $BUNDLE/$f: run node scripts/gpu-bundle.mjs and carry .gpu/bundle"; RESULT[bundle]="missing $f"; finish 2; }
done
cat "$BUNDLE/manifest.json" 2>/dev/null | head -3

step "unpack Node, dist/, node_modules/ and Gloo's headers"
REPO=$WORK/repo
mkdir -p "$WORK/node" "$REPO/native" "$REPO/scripts" "$WORK/gloo"
unpack "$BUNDLE/node.tar.xz" "$WORK/node" && unpack "$BUNDLE/dist.tar.xz" "$REPO" && unpack "$BUNDLE/node_modules.tar.xz" "$REPO" &&
  unpack "$BUNDLE/gloo-include.tar.xz" "$WORK/gloo" || { RESULT[unpack]=failed; finish 2; }
export PATH="$WORK/node/bin:$PATH"
cp -r "$ROOT/native/binding.gyp" "$ROOT/native/libtorch_config.cjs" "$ROOT/native/src" "$REPO/native/"
cp "$ROOT/package.json" "$REPO/"  # "type": "module" for dist/
cp "$ROOT/scripts/run-tests.mjs" "$REPO/scripts/"
for d in cfg bench test; do ln -sfn "$ROOT/$d" "$REPO/$d"; done  # cfgs, the Python references
RESULT[node]=$(node --version)

step "libtorch"
if [[ $DRY == 1 && -n ${GPU_CHECK_LIBTORCH:-} ]]; then
  LIBTORCH=$GPU_CHECK_LIBTORCH  # a rehearsal against another CPU libtorch (e.g. a CPU wheel's torch/)
elif [[ $DRY == 1 ]]; then
  LIBTORCH=$WORK/libtorch  # Debian's libtorch as a layout of symlinks
  mkdir -p "$LIBTORCH" && ln -sfn /usr/include "$LIBTORCH/include" && ln -sfn /usr/lib/x86_64-linux-gnu "$LIBTORCH/lib"
else
  LIBTORCH=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))') || { RESULT[libtorch]='python3 has no torch'; finish 2; }
  export YOLO_CXX11_ABI=$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
  command -v nvcc >/dev/null && export CUDA_HOME=${CUDA_HOME:-$(dirname "$(dirname "$(command -v nvcc)")")}
  # the CUDA libraries of the nvidia-* wheels beside torch, should an RPATH miss one
  NVLIB=$(python3 -c 'import glob, os, torch; print(":".join(sorted(glob.glob(os.path.join(os.path.dirname(os.path.dirname(torch.__file__)), "nvidia", "*", "lib")))))')
  export LD_LIBRARY_PATH="$NVLIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
export LIBTORCH YOLO_GLOO_INCLUDE=$WORK/gloo
RESULT[libtorch]=$LIBTORCH
{
  echo "node $(node --version); $(g++ --version | head -1); make: $(command -v make || echo none); python3 $(python3 --version 2>&1)"
  [[ $DRY == 1 ]] || python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "devices", torch.cuda.device_count(), "nccl", torch.cuda.nccl.version() if torch.cuda.is_available() else None, "cxx11 abi", torch._C._GLIBCXX_USE_CXX11_ABI)'
  command -v nvidia-smi >/dev/null && nvidia-smi
  command -v nvcc >/dev/null && nvcc --version | tail -2
} > "$OUT_DIR/versions.txt" 2>&1
cat "$OUT_DIR/versions.txt"

build_direct() { # the flags of native/binding.gyp, for a machine without make
  local cfg="node $REPO/native/libtorch_config.cjs" defines="-DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DUSE_DISTRIBUTED -DUSE_C10D_GLOO -DBUILDING_NODE_EXTENSION"
  local includes="-I$WORK/node/include/node -I$(cd "$REPO" && node -p "require('node-addon-api').include_dir") -I$LIBTORCH/include -I$LIBTORCH/include/torch/csrc/api/include -I$YOLO_GLOO_INCLUDE"
  local libs="-ltorch -ltorch_cpu -lc10" abi cuda d
  [[ -f $LIBTORCH/lib/libtorch_cuda.so ]] && libs+=" -ltorch_cuda -lc10_cuda"
  if [[ -f $LIBTORCH/lib/libtorch_cuda.so && ${YOLO_NO_NCCL:-0} != 1 ]]; then
    cuda=$($cfg cuda-includes) || return 1
    defines+=" -DUSE_C10D_NCCL"
    for d in $cuda; do includes+=" -I$d"; done
  fi
  abi=$($cfg cxx11-abi); [[ -n $abi ]] && defines+=" -D_GLIBCXX_USE_CXX11_ABI=$abi"
  local obj=$REPO/native/build/direct pids=() f
  mkdir -p "$obj" "$REPO/native/build/Release"
  for f in "$REPO"/native/src/*.cpp; do
    g++ -std=$($cfg cxx-std) -fPIC -pthread -O2 -fexceptions -frtti -Wno-unused-parameter -Wno-deprecated-declarations $defines $includes -c "$f" -o "$obj/$(basename "$f" .cpp).o" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || return 1; done
  g++ -shared -pthread -o "$REPO/native/build/Release/yolov3_native.node" "$obj"/*.o -L"$LIBTORCH/lib" -Wl,-rpath,"$LIBTORCH/lib" -Wl,--no-as-needed $libs
}

step "build the addon against $LIBTORCH ($JOBS jobs)"
if [[ ${GPU_CHECK_BUILD:-gyp} != direct ]] && command -v make >/dev/null; then
  (cd "$REPO" && timeout 900 node node_modules/node-gyp/bin/node-gyp.js rebuild -C native --nodedir="$WORK/node" -j "$JOBS") > "$OUT_DIR/build.log" 2>&1
else
  echo "building with g++ alone (GPU_CHECK_BUILD=${GPU_CHECK_BUILD:-} make: $(command -v make || echo none))"
  build_direct > "$OUT_DIR/build.log" 2>&1
fi
BUILD_RC=$?
tail -5 "$OUT_DIR/build.log"
if [[ $BUILD_RC != 0 ]]; then grep -m 20 -E "error|Error" "$OUT_DIR/build.log"; RESULT[build]="failed ($BUILD_RC)"; finish 1; fi
RESULT[build]=ok
RESULT[addon]=$(cd "$REPO" && node --input-type=module -e "import * as t from './dist/src/torch/index.js'; console.log(JSON.stringify({ torch: t.versions().torch, backends: t.distributed.availableBackends(), cudaDevices: t.cuda.deviceCount() }))")
echo "addon: ${RESULT[addon]}"

step "tests: $TESTS"
[[ $DRY == 1 ]] || export YOLO_REQUIRE_CUDA=1
# shellcheck disable=SC2086
(cd "$REPO" && timeout 600 node scripts/run-tests.mjs $TESTS) > "$OUT_DIR/tests.log" 2>&1
TESTS_RC=$?
grep -E "^(✔|✖|﹣)|^ℹ (tests|pass|fail|skipped)" "$OUT_DIR/tests.log" | tail -60
RESULT[tests]=$([[ $TESTS_RC == 0 ]] && echo passed || echo "failed ($TESTS_RC)")
RESULT[testCounts]=$(grep -E "^ℹ (pass|fail|skipped) " "$OUT_DIR/tests.log" | tr '\n' ' ')

if [[ $DRY == 1 ]]; then
  RESULT[benchmarks]='left out (--cpu-dry-run)'
else
  export BENCH_DEVICE=cuda:0 BENCH_PYTHON=$(command -v python3)
  step "training-step benchmark on $BENCH_DEVICE: ours vs PyTorch"
  (cd "$REPO" && BENCH_CFG_DIR="$ROOT/cfg" BENCH_TRAIN_BATCH=8 BENCH_TRAIN_STEPS=5 BENCH_TRAIN_STEPS_TINY=10 timeout 400 node dist/bench/train.js) > "$OUT_DIR/bench-train.log" 2>&1
  RESULT[benchTrain]=$([[ $? == 0 ]] && echo ok || echo failed)
  tail -30 "$OUT_DIR/bench-train.log"
  step "detect benchmark on $BENCH_DEVICE: ours vs PyTorch"
  (cd "$REPO" && timeout 300 node dist/bench/gpu_detect.js) > "$OUT_DIR/bench-detect.log" 2>&1
  RESULT[benchDetect]=$([[ $? == 0 ]] && echo ok || echo failed)
  tail -30 "$OUT_DIR/bench-detect.log"
fi
finish $([[ $TESTS_RC == 0 ]] && echo 0 || echo 1)
