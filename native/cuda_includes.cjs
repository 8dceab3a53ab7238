// Prints the include folders that a CUDA libtorch's c10d NCCL headers need
// beyond libtorch's own (binding.gyp calls it when $LIBTORCH has
// lib/libtorch_cuda.so): ProcessGroupNCCL.hpp includes ATen/cuda/CUDAContext.h
// (CUDA runtime, cuBLAS, cuBLASLt, cuSPARSE, cuSOLVER headers) and nccl.h.
// An official libtorch zip carries none of them, nor does a PyTorch wheel,
// whose CUDA headers come in the nvidia-* wheels beside it (site-packages/
// nvidia/<lib>/include, or nvidia/cu13/include for CUDA 13) or from a CUDA
// toolkit. Searched in order: $YOLO_CUDA_INCLUDE (':'-separated),
// $CUDA_HOME/include, $CUDA_PATH/include, /usr/local/cuda/include, the
// nvidia folders beside the torch package that holds $LIBTORCH/lib, and
// /usr/include. A header found nowhere fails the build, naming it.
'use strict';
const fs = require('fs');
const path = require('path');

const NEEDED = ['cuda_runtime_api.h', 'cublas_v2.h', 'cublasLt.h', 'cusparse.h', 'cusolverDn.h', 'nccl.h'];

function nvidiaIncludes(libtorch) {
  if (!libtorch) return [];
  let torchDir;
  try {
    torchDir = path.dirname(fs.realpathSync(path.join(libtorch, 'lib')));
  } catch {
    return [];
  }
  const nvidia = path.join(path.dirname(torchDir), 'nvidia');
  if (!fs.existsSync(nvidia)) return [];
  return fs.readdirSync(nvidia).map((d) => path.join(nvidia, d, 'include')).filter((d) => fs.existsSync(d)).sort();
}

function candidates(env) {
  const listed = (env.YOLO_CUDA_INCLUDE || '').split(':').filter(Boolean);
  const homes = [env.CUDA_HOME, env.CUDA_PATH, '/usr/local/cuda'].filter(Boolean).map((h) => path.join(h, 'include'));
  return [...listed, ...homes, ...nvidiaIncludes(env.LIBTORCH), '/usr/include'];
}

/** The folders holding NEEDED (one per header, first match, no repeats), or throws naming what is missing. */
function cudaIncludes(env = process.env, exists = fs.existsSync) {
  const dirs = candidates(env);
  const found = [];
  const missing = [];
  for (const h of NEEDED) {
    const dir = dirs.find((d) => exists(path.join(d, h)));
    if (!dir) missing.push(h);
    else if (!found.includes(dir)) found.push(dir);
  }
  if (missing.length) {
    throw new Error(
      `LIBTORCH=${env.LIBTORCH} is a CUDA libtorch, but ${missing.join(', ')} ` +
        `${missing.length === 1 ? 'is' : 'are'} in none of: ${dirs.join(', ')}. ` +
        'Install the CUDA toolkit (or the nvidia-*-cu* wheels beside a PyTorch wheel) and set CUDA_HOME or ' +
        'YOLO_CUDA_INCLUDE=dir1:dir2, or build without NCCL with YOLO_NO_NCCL=1.',
    );
  }
  return found;
}

module.exports = { cudaIncludes, NEEDED };

if (require.main === module) {
  try {
    // /usr/include is the compiler's own: naming it with -I would put Debian's libtorch 1.13 headers before $LIBTORCH's
    console.log(cudaIncludes().filter((d) => d !== '/usr/include').join(' '));
  } catch (e) {
    console.error(`native/cuda_includes.js: ${e.message}`);
    process.exit(1);
  }
}
