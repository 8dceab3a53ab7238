// Shared declarations of the addon. The addon is a generic bridge from
// JavaScript to libtorch: tensor handles, a boxed call into any ATen operator
// by schema name, autograd and runtime settings. It knows nothing of YOLO.
#pragma once

#include <napi.h>
#include <ATen/ATen.h>
#include <ATen/core/stack.h>
#include <ATen/core/function_schema.h>

#include "torch_compat.h"

#include <functional>
#include <string>

namespace yolo_native {

// --- errors.cpp ---------------------------------------------------------
// Runs `body`, turning libtorch and C++ exceptions into JavaScript errors so
// that no input from JavaScript can abort the process.
Napi::Value guarded(const Napi::Env& env, const std::function<Napi::Value()>& body);
[[noreturn]] void throwTypeError(const Napi::Env& env, const std::string& message);
[[noreturn]] void throwError(const Napi::Env& env, const std::string& message);

// --- handles.cpp ----------------------------------------------------------
// A JavaScript tensor handle is a type-tagged External owning one at::Tensor.
// dispose() frees it at once; the External's finalizer is only a backstop.
Napi::Value wrapTensor(const Napi::Env& env, at::Tensor tensor);
const at::Tensor& unwrapTensor(const Napi::Env& env, const Napi::Value& value, const char* what);
bool isTensorHandle(const Napi::Value& value);
Napi::Value wrapGenerator(const Napi::Env& env, at::Generator generator);
at::Generator unwrapGenerator(const Napi::Env& env, const Napi::Value& value);
void registerHandles(Napi::Env env, Napi::Object exports);

// --- ivalue_convert.cpp -----------------------------------------------------
// Converts a JavaScript value to the IValue an operator argument expects.
c10::IValue toIValue(const Napi::Env& env, const Napi::Value& value, const c10::Argument& argument,
                     const std::string& opName);
Napi::Value fromIValue(const Napi::Env& env, const c10::IValue& value);

// --- script_objects.cpp -----------------------------------------------------
// A script object (a TorchScript custom class instance) is a type-tagged
// External owning its IValue; disposeObject() frees it at once.
Napi::Value wrapObject(const Napi::Env& env, const c10::IValue& value);
c10::IValue unwrapObject(const Napi::Env& env, const Napi::Value& value, const c10::TypePtr& type, const std::string& what);

// --- registration of each file's functions ---------------------------------
void registerOps(Napi::Env env, Napi::Object exports);
void registerTensorData(Napi::Env env, Napi::Object exports);
void registerAutograd(Napi::Env env, Napi::Object exports);
void registerRuntime(Napi::Env env, Napi::Object exports);
void registerCpuAllocator(Napi::Env env, Napi::Object exports);
void registerDistributed(Napi::Env env, Napi::Object exports);
void registerDistributedAutograd(Napi::Env env, Napi::Object exports);
void registerBatchNormLeaky(Napi::Env env, Napi::Object exports);
void registerMaxPool2x2(Napi::Env env, Napi::Object exports);
void registerDistributedReducer(Napi::Env env, Napi::Object exports);
void registerObjects(Napi::Env env, Napi::Object exports);

// Helper to define an exported function whose body is guarded.
#define YOLO_EXPORT(exports, name, fn)                                                       \
  (exports).Set(name, Napi::Function::New((exports).Env(), [](const Napi::CallbackInfo& info) { \
                  return ::yolo_native::guarded(info.Env(), [&]() -> Napi::Value { return fn(info); }); \
                }, name))

int64_t toInt64(const Napi::Env& env, const Napi::Value& value, const char* what);

}  // namespace yolo_native
