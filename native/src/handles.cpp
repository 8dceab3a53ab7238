#include "common.h"

#include <unordered_set>

namespace yolo_native {
namespace {

struct TensorBox {
  at::Tensor tensor;
  bool live;
};

struct GeneratorBox {
  at::Generator generator;
};

// Type tags let the addon refuse an External that is not one of its own.
const napi_type_tag kTensorTag = {0x7a1f3c5e9b2d4a61ULL, 0x8c0e6f42d1b3a957ULL};
const napi_type_tag kGeneratorTag = {0x3b9d2e7f1a4c6085ULL, 0x5e1a9c3d7f2b4068ULL};

std::unordered_set<TensorBox*>& liveBoxes() {
  static std::unordered_set<TensorBox*> boxes;
  return boxes;
}

void release(TensorBox* box) {
  if (!box->live) return;
  box->live = false;
  box->tensor.reset();
  liveBoxes().erase(box);
}

TensorBox* boxOf(const Napi::Env& env, const Napi::Value& value, const char* what) {
  if (!value.IsExternal()) throwTypeError(env, std::string(what) + ": expected a tensor");
  auto external = value.As<Napi::External<TensorBox>>();
  if (!external.CheckTypeTag(&kTensorTag)) throwTypeError(env, std::string(what) + ": expected a tensor");
  return external.Data();
}

Napi::Value Dispose(const Napi::CallbackInfo& info) {
  release(boxOf(info.Env(), info[0], "dispose"));
  return info.Env().Undefined();
}

Napi::Value IsLive(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), boxOf(info.Env(), info[0], "isLive")->live);
}

// Live handle count and the bytes of the distinct storages they hold.
Napi::Value Memory(const Napi::CallbackInfo& info) {
  std::unordered_set<const void*> storages;
  double bytes = 0;
  for (TensorBox* box : liveBoxes()) {
    const at::Tensor& t = box->tensor;
    if (!t.defined() || !t.has_storage()) continue;
    const void* key = t.storage().unsafeGetStorageImpl();
    if (storages.insert(key).second) bytes += static_cast<double>(t.storage().nbytes());
  }
  auto result = Napi::Object::New(info.Env());
  result.Set("tensors", Napi::Number::New(info.Env(), static_cast<double>(liveBoxes().size())));
  result.Set("bytes", Napi::Number::New(info.Env(), bytes));
  return result;
}

}  // namespace

Napi::Value wrapTensor(const Napi::Env& env, at::Tensor tensor) {
  if (!tensor.defined()) return env.Null();
  auto* box = new TensorBox{std::move(tensor), true};
  liveBoxes().insert(box);
  auto external = Napi::External<TensorBox>::New(env, box, [](Napi::Env, TensorBox* b) {
    release(b);
    delete b;
  });
  external.TypeTag(&kTensorTag);
  return external;
}

bool isTensorHandle(const Napi::Value& value) {
  return value.IsExternal() && value.As<Napi::External<TensorBox>>().CheckTypeTag(&kTensorTag);
}

const at::Tensor& unwrapTensor(const Napi::Env& env, const Napi::Value& value, const char* what) {
  TensorBox* box = boxOf(env, value, what);
  if (!box->live) throwError(env, std::string(what) + ": tensor was already disposed");
  return box->tensor;
}

Napi::Value wrapGenerator(const Napi::Env& env, at::Generator generator) {
  auto* box = new GeneratorBox{std::move(generator)};
  auto external = Napi::External<GeneratorBox>::New(env, box, [](Napi::Env, GeneratorBox* b) { delete b; });
  external.TypeTag(&kGeneratorTag);
  return external;
}

at::Generator unwrapGenerator(const Napi::Env& env, const Napi::Value& value) {
  if (!value.IsExternal() || !value.As<Napi::External<GeneratorBox>>().CheckTypeTag(&kGeneratorTag))
    throwTypeError(env, "expected a generator");
  return value.As<Napi::External<GeneratorBox>>().Data()->generator;
}

void registerHandles(Napi::Env env, Napi::Object exports) {
  YOLO_EXPORT(exports, "dispose", Dispose);
  YOLO_EXPORT(exports, "isLive", IsLive);
  YOLO_EXPORT(exports, "memory", Memory);
}

}  // namespace yolo_native
