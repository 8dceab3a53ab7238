// What a libtorch layout ($LIBTORCH) asks of the addon's build, for
// binding.gyp (node libtorch_config.cjs cxx-std | cxx11-abi | cuda-includes):
//  - cxx-std: the C++ standard libtorch's own CMake config gives its users
//    (share/cmake/Torch/TorchConfig.cmake: CXX_STANDARD 20 in recent 2.x,
//    whose headers need it); c++17 for Debian's 1.13 or a config that names none.
//  - cxx11-abi: -D_GLIBCXX_USE_CXX11_ABI as libtorch was built ($YOLO_CXX11_ABI,
//    else read from libc10.so's symbols: std::string appears as
//    std::__cxx11::basic_string under the new ABI); empty when unknown (the
//    compiler's default, Debian's).
//  - cuda-includes: the include folders that a CUDA libtorch's c10d NCCL
//    headers need beyond libtorch's own: ProcessGroupNCCL.hpp includes
//    ATen/cuda/CUDAContext.h (CUDA runtime, cuBLAS, cuBLASLt, cuSPARSE,
//    cuSOLVER headers) and nccl.h. An official libtorch zip carries none of
//    them, nor does a PyTorch wheel, whose CUDA headers come in the nvidia-*
//    wheels beside it (site-packages/nvidia/<lib>/include, or
//    nvidia/cu13/include for CUDA 13) or from a CUDA toolkit. Searched in
//    order: $YOLO_CUDA_INCLUDE (':'-separated), $CUDA_HOME/include,
//    $CUDA_PATH/include, /usr/local/cuda/include, the nvidia folders beside
//    the torch package that holds $LIBTORCH/lib, and /usr/include. A header
//    found nowhere fails the build, naming it.
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

function cxxStandard(libtorch) {
  const config = libtorch && path.join(libtorch, 'share', 'cmake', 'Torch', 'TorchConfig.cmake');
  const m = config && fs.existsSync(config) ? /CXX_STANDARD\s+(\d+)/.exec(fs.readFileSync(config, 'utf8')) : null;
  return m && Number(m[1]) > 17 ? `c++${m[1]}` : 'c++17';
}

function cxx11Abi(env = process.env) {
  if (env.YOLO_CXX11_ABI === '0' || env.YOLO_CXX11_ABI === '1') return env.YOLO_CXX11_ABI;
  const lib = env.LIBTORCH && path.join(env.LIBTORCH, 'lib', 'libc10.so');
  if (!lib || !fs.existsSync(lib)) return '';
  return fs.readFileSync(lib).includes('__cxx1112basic_string') ? '1' : '0';
}

module.exports = { cudaIncludes, cxxStandard, cxx11Abi, NEEDED };

if (require.main === module) {
  const what = process.argv[2];
  try {
    if (what === 'cxx-std') console.log(cxxStandard(process.env.LIBTORCH));
    else if (what === 'cxx11-abi') console.log(cxx11Abi());
    // /usr/include is the compiler's own: naming it with -I would put Debian's libtorch 1.13 headers before $LIBTORCH's
    else if (what === 'cuda-includes') console.log(cudaIncludes().filter((d) => d !== '/usr/include').join(' '));
    else throw new Error(`expected cxx-std, cxx11-abi or cuda-includes, got '${what}'`);
  } catch (e) {
    console.error(`native/libtorch_config.cjs: ${e.message}`);
    process.exit(1);
  }
}
