// Process-wide settings: threads, seeds, random generators, devices.
#include "common.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>

#include <mutex>

namespace yolo_native {
namespace {

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int64_t n = toInt64(info.Env(), info[0], "setNumThreads");
  if (n < 1) throwError(info.Env(), "setNumThreads: need at least 1 thread, got " + std::to_string(n));
  at::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

uint64_t toSeed(const Napi::Env& env, const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless = true;
    uint64_t s = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throwError(env, "seed does not fit in 64 bits");
    return s;
  }
  int64_t s = toInt64(env, v, "seed");
  if (s < 0) throwError(env, "seed must be non-negative");
  return static_cast<uint64_t>(s);
}

// Seeds the default CPU generator (and CUDA's when present), as torch.manual_seed.
Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  uint64_t seed = toSeed(info.Env(), info[0]);
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
  }
  // through the Context, not CUDAHooksInterface::getDefaultCUDAGenerator (1.13), which 2.x renamed getDefaultGenerator
  for (int64_t i = 0; i < at::detail::getCUDAHooks().getNumGPUs(); ++i) {
    auto gen = at::globalContext().defaultGenerator(c10::Device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(i)));
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_current_seed(seed);
  }
  return info.Env().Undefined();
}

Napi::Value NewGenerator(const Napi::CallbackInfo& info) {
  return wrapGenerator(info.Env(), at::make_generator<at::CPUGeneratorImpl>(toSeed(info.Env(), info[0])));
}

at::Generator generatorArg(const Napi::Env& env, const Napi::Value& v) {
  if (v.IsNull() || v.IsUndefined()) return at::detail::getDefaultCPUGenerator();
  return unwrapGenerator(env, v);
}

// generatorState(genOrNull): the generator's state as a uint8 tensor (for checkpoints).
Napi::Value GeneratorState(const Napi::CallbackInfo& info) {
  auto gen = generatorArg(info.Env(), info[0]);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return wrapTensor(info.Env(), gen.get_state());
}

Napi::Value SetGeneratorState(const Napi::CallbackInfo& info) {
  auto gen = generatorArg(info.Env(), info[0]);
  const at::Tensor& state = unwrapTensor(info.Env(), info[1], "setGeneratorState");
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
  return info.Env().Undefined();
}

Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(at::detail::getCUDAHooks().getNumGPUs()));
}

// cudaSynchronize(index): waits for the GPU's queued work, for timings (CUDA
// kernels run asynchronously). Through the CUDA hooks, so a CPU-only build
// compiles it too (and fails it with libtorch's message).
Napi::Value CudaSynchronize(const Napi::CallbackInfo& info) {
  int64_t index = toInt64(info.Env(), info[0], "cudaSynchronize");
  at::detail::getCUDAHooks().deviceSynchronize(static_cast<c10::DeviceIndex>(index));
  return info.Env().Undefined();
}

// setAllowTF32(enabled): cuDNN convolutions and cuBLAS matrix products in
// TF32 (libtorch's default for cuDNN: on, for cuBLAS: off) or in full float32,
// for results that match the CPU's to float32 rounding.
Napi::Value SetAllowTF32(const Napi::CallbackInfo& info) {
  bool enabled = info[0].ToBoolean().Value();
  at::globalContext().setAllowTF32CuDNN(enabled);
  at::globalContext().setAllowTF32CuBLAS(enabled);
  return info.Env().Undefined();
}

Napi::Value Versions(const Napi::CallbackInfo& info) {
  auto result = Napi::Object::New(info.Env());
  result.Set("torch", Napi::String::New(info.Env(), std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." + std::to_string(TORCH_VERSION_PATCH)));
  result.Set("parallel", Napi::String::New(info.Env(), at::get_parallel_info()));
  return result;
}

}  // namespace

void registerRuntime(Napi::Env env, Napi::Object exports) {
  YOLO_EXPORT(exports, "setNumThreads", SetNumThreads);
  YOLO_EXPORT(exports, "getNumThreads", GetNumThreads);
  YOLO_EXPORT(exports, "manualSeed", ManualSeed);
  YOLO_EXPORT(exports, "newGenerator", NewGenerator);
  YOLO_EXPORT(exports, "generatorState", GeneratorState);
  YOLO_EXPORT(exports, "setGeneratorState", SetGeneratorState);
  YOLO_EXPORT(exports, "cudaDeviceCount", CudaDeviceCount);
  YOLO_EXPORT(exports, "setAllowTF32", SetAllowTF32);
  YOLO_EXPORT(exports, "cudaSynchronize", CudaSynchronize);
  YOLO_EXPORT(exports, "versions", Versions);
}

}  // namespace yolo_native
