// native/libtorch_config.cjs, what binding.gyp reads from a LIBTORCH layout,
// on hand-made layouts: the C++ standard of its CMake config, the
// std::string ABI of its libc10.so, and the CUDA/NCCL include folders of a
// PyTorch wheel's nvidia-* neighbours (or the error naming what is missing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/references.js';

interface LibtorchConfig {
  cxxStandard(libtorch?: string): string;
  cxx11Abi(env: Record<string, string | undefined>): string;
  cudaIncludes(env: Record<string, string | undefined>, exists?: (p: string) => boolean): string[];
}
const config = createRequire(import.meta.url)(join(REPO_ROOT, 'native', 'libtorch_config.cjs')) as LibtorchConfig;

function layout(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'yolov3-libtorch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const put = (path: string, text = '') => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
};

test("the C++ standard is the one libtorch's TorchConfig.cmake gives its users, else C++17", (t) => {
  const dir = layout(t);
  assert.equal(config.cxxStandard(undefined), 'c++17'); // Debian's
  assert.equal(config.cxxStandard(dir), 'c++17'); // a layout without share/
  put(join(dir, 'share', 'cmake', 'Torch', 'TorchConfig.cmake'), 'set_target_properties(torch PROPERTIES\n    CXX_STANDARD 20\n)\n');
  assert.equal(config.cxxStandard(dir), 'c++20');
});

test("the std::string ABI: YOLO_CXX11_ABI, else libc10.so's mangled names, else none", (t) => {
  const dir = layout(t);
  assert.equal(config.cxx11Abi({}), '');
  assert.equal(config.cxx11Abi({ LIBTORCH: dir }), '');
  put(join(dir, 'lib', 'libc10.so'), '\0_ZN3c106detail14torchCheckFailEPKcS2_jRKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE\0');
  assert.equal(config.cxx11Abi({ LIBTORCH: dir }), '1');
  put(join(dir, 'lib', 'libc10.so'), '\0_ZN3c106detail14torchCheckFailEPKcS2_jRKSs\0');
  assert.equal(config.cxx11Abi({ LIBTORCH: dir }), '0');
  assert.equal(config.cxx11Abi({ LIBTORCH: dir, YOLO_CXX11_ABI: '1' }), '1');
});

test("a PyTorch wheel's CUDA and NCCL headers are found in the nvidia folders beside it", (t) => {
  const site = layout(t);
  mkdirSync(join(site, 'torch', 'lib'), { recursive: true });
  for (const h of ['cuda_runtime_api.h', 'cublas_v2.h', 'cublasLt.h', 'cusparse.h', 'cusolverDn.h']) put(join(site, 'nvidia', 'cu13', 'include', h));
  const inSite = (p: string) => p.startsWith(site) && existsSync(p); // not this machine's own /usr/local/cuda
  assert.throws(() => config.cudaIncludes({ LIBTORCH: join(site, 'torch') }, inSite), /nccl\.h is in none of: .*nvidia\/cu13\/include.*YOLO_NO_NCCL=1/s);
  put(join(site, 'nvidia', 'nccl', 'include', 'nccl.h'));
  assert.deepEqual(config.cudaIncludes({ LIBTORCH: join(site, 'torch') }, inSite), [join(site, 'nvidia', 'cu13', 'include'), join(site, 'nvidia', 'nccl', 'include')]);
  // YOLO_CUDA_INCLUDE comes first
  put(join(site, 'mine', 'nccl.h'));
  assert.deepEqual(config.cudaIncludes({ LIBTORCH: join(site, 'torch'), YOLO_CUDA_INCLUDE: join(site, 'mine') }, inSite), [join(site, 'nvidia', 'cu13', 'include'), join(site, 'mine')]);
});
