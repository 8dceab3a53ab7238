// Script objects an operator returns or takes (TorchScript custom classes,
// e.g. oneDNN's prepacked convolution context, mkldnn_prepacked::conv2d_prepack)
// as opaque JavaScript handles: a type-tagged External owning the IValue.
// disposeObject frees what it holds at once; the finalizer is only a backstop.
#include "common.h"

#include <ATen/core/jit_type.h>

namespace yolo_native {
namespace {

struct ObjectBox {
  c10::IValue value;
};

const napi_type_tag kObjectTag = {0x4d2c8e1f6a3b5097ULL, 0x9e7d1c4b2a6f3850ULL};

ObjectBox* objectBoxOf(const Napi::Env& env, const Napi::Value& value, const std::string& what) {
  if (!value.IsExternal() || !value.As<Napi::External<ObjectBox>>().CheckTypeTag(&kObjectTag))
    throwTypeError(env, what + ": expected a script object handle");
  return value.As<Napi::External<ObjectBox>>().Data();
}

Napi::Value DisposeObject(const Napi::CallbackInfo& info) {
  objectBoxOf(info.Env(), info[0], "disposeObject")->value = c10::IValue();
  return info.Env().Undefined();
}

Napi::Value IsObjectHandle(const Napi::CallbackInfo& info) {
  const Napi::Value v = info[0];
  return Napi::Boolean::New(info.Env(), v.IsExternal() && v.As<Napi::External<ObjectBox>>().CheckTypeTag(&kObjectTag));
}

}  // namespace

Napi::Value wrapObject(const Napi::Env& env, const c10::IValue& value) {
  auto* box = new ObjectBox{value};
  auto external = Napi::External<ObjectBox>::New(env, box, [](Napi::Env, ObjectBox* b) { delete b; });
  external.TypeTag(&kObjectTag);
  return external;
}

c10::IValue unwrapObject(const Napi::Env& env, const Napi::Value& value, const c10::TypePtr& type, const std::string& what) {
  const c10::IValue& held = objectBoxOf(env, value, what)->value;
  if (held.isNone()) throwTypeError(env, what + ": the script object was already disposed");
  if (!held.type()->isSubtypeOf(*type)) throwTypeError(env, what + ": expected " + type->str() + ", got " + held.type()->str());
  return held;
}

void registerObjects(Napi::Env env, Napi::Object exports) {
  YOLO_EXPORT(exports, "disposeObject", DisposeObject);
  YOLO_EXPORT(exports, "isObjectHandle", IsObjectHandle);
}

}  // namespace yolo_native
