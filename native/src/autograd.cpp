// Autograd controls: requires_grad, .grad, backward and the grad mode.
#include "common.h"

#include <c10/core/GradMode.h>

namespace yolo_native {
namespace {

Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrapTensor(info.Env(), info[0], "requiresGrad").requires_grad());
}

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  at::Tensor t = unwrapTensor(info.Env(), info[0], "setRequiresGrad");
  t.set_requires_grad(info[1].ToBoolean().Value());
  return info.Env().Undefined();
}

Napi::Value IsLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrapTensor(info.Env(), info[0], "isLeaf").is_leaf());
}

// grad(tensor): a new handle to the accumulated gradient, or null.
Napi::Value Grad(const Napi::CallbackInfo& info) {
  const at::Tensor& t = unwrapTensor(info.Env(), info[0], "grad");
  return wrapTensor(info.Env(), t.grad());
}

// setGrad(tensor, gradOrNull): replaces the gradient; null clears it.
Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  at::Tensor t = unwrapTensor(info.Env(), info[0], "setGrad");
  if (info[1].IsNull() || info[1].IsUndefined()) t.mutable_grad().reset();
  else t.mutable_grad() = unwrapTensor(info.Env(), info[1], "setGrad");
  return info.Env().Undefined();
}

// backward(tensor, gradientOrNull, retainGraph, createGraph)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const at::Tensor& t = unwrapTensor(env, info[0], "backward");
  at::Tensor gradient;
  if (!info[1].IsNull() && !info[1].IsUndefined()) gradient = unwrapTensor(env, info[1], "backward gradient");
  TorchOptional<bool> retain;
  if (info[2].IsBoolean()) retain = info[2].As<Napi::Boolean>().Value();
  bool create = info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
  t.backward(gradient, retain, create);
  return env.Undefined();
}

Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  c10::GradMode::set_enabled(info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

}  // namespace

void registerAutograd(Napi::Env env, Napi::Object exports) {
  YOLO_EXPORT(exports, "requiresGrad", RequiresGrad);
  YOLO_EXPORT(exports, "setRequiresGrad", SetRequiresGrad);
  YOLO_EXPORT(exports, "isLeaf", IsLeaf);
  YOLO_EXPORT(exports, "grad", Grad);
  YOLO_EXPORT(exports, "setGrad", SetGrad);
  YOLO_EXPORT(exports, "backward", Backward);
  YOLO_EXPORT(exports, "setGradEnabled", SetGradEnabled);
  YOLO_EXPORT(exports, "isGradEnabled", IsGradEnabled);
}

}  // namespace yolo_native
