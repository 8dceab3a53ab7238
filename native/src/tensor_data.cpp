// Moving data between JavaScript typed arrays and tensors, and reading a
// tensor's metadata.
#include "common.h"

#include <cstring>

namespace yolo_native {
namespace {

std::vector<int64_t> toShape(const Napi::Env& env, const Napi::Value& v) {
  if (!v.IsArray()) throwTypeError(env, "shape: expected an array of integers");
  auto arr = v.As<Napi::Array>();
  std::vector<int64_t> shape(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    shape[i] = toInt64(env, arr.Get(i), "shape");
    if (shape[i] < 0) throwError(env, "shape: negative dimension " + std::to_string(shape[i]));
  }
  return shape;
}

// fromBuffer(typedArray, shape, scalarType): copies the bytes into a new CPU tensor.
Napi::Value FromBuffer(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsTypedArray()) throwTypeError(env, "fromBuffer: expected a typed array");
  auto array = info[0].As<Napi::TypedArray>();
  auto shape = toShape(env, info[1]);
  auto dtype = static_cast<at::ScalarType>(toInt64(env, info[2], "dtype"));
  at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
  size_t bytes = t.nbytes();
  if (bytes != array.ByteLength())
    throwError(env, "fromBuffer: shape " + c10::str(t.sizes()) + " of " + c10::toString(dtype) + " needs " +
                        std::to_string(bytes) + " bytes, the array has " + std::to_string(array.ByteLength()));
  auto* src = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  if (bytes) std::memcpy(t.data_ptr(), src, bytes);
  return wrapTensor(env, std::move(t));
}

// toBuffer(tensor): a fresh ArrayBuffer with the tensor's values, contiguous, on the CPU.
Napi::Value ToBuffer(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  at::Tensor t = unwrapTensor(env, info[0], "toBuffer").detach().to(at::kCPU).contiguous();
  auto buffer = Napi::ArrayBuffer::New(env, t.nbytes());
  if (t.nbytes()) std::memcpy(buffer.Data(), t.data_ptr(), t.nbytes());
  return buffer;
}

Napi::Value Shape(const Napi::CallbackInfo& info) {
  const at::Tensor& t = unwrapTensor(info.Env(), info[0], "shape");
  auto arr = Napi::Array::New(info.Env(), t.dim());
  for (int64_t i = 0; i < t.dim(); ++i)
    arr.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), static_cast<double>(t.size(i))));
  return arr;
}

Napi::Value Strides(const Napi::CallbackInfo& info) {
  const at::Tensor& t = unwrapTensor(info.Env(), info[0], "strides");
  auto arr = Napi::Array::New(info.Env(), t.dim());
  for (int64_t i = 0; i < t.dim(); ++i)
    arr.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), static_cast<double>(t.stride(i))));
  return arr;
}

Napi::Value Dtype(const Napi::CallbackInfo& info) {
  const at::Tensor& t = unwrapTensor(info.Env(), info[0], "dtype");
  return Napi::Number::New(info.Env(), static_cast<double>(static_cast<int>(t.scalar_type())));
}

Napi::Value Device(const Napi::CallbackInfo& info) {
  const at::Tensor& t = unwrapTensor(info.Env(), info[0], "device");
  return Napi::String::New(info.Env(), t.device().str());
}

Napi::Value Numel(const Napi::CallbackInfo& info) {
  const at::Tensor& t = unwrapTensor(info.Env(), info[0], "numel");
  return Napi::Number::New(info.Env(), static_cast<double>(t.numel()));
}

// The version counters (bumped by every in-place write, shared by views) of a list of tensors in
// one call: the inference forward checks each folded conv's 2-6 source tensors before every use,
// 274 boxed aten::_version calls per forward of the depthwise bench cfg
Napi::Value TensorVersions(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "tensorVersions: expected an array of tensors");
  const auto list = info[0].As<Napi::Array>();
  auto arr = Napi::Array::New(env, list.Length());
  for (uint32_t i = 0; i < list.Length(); ++i) {
    const at::Tensor& t = unwrapTensor(env, list.Get(i), "tensorVersions");
    arr.Set(i, Napi::Number::New(env, static_cast<double>(t._version())));
  }
  return arr;
}

// True when both handles view the same storage (an in-place op returning its input).
Napi::Value SameTensor(const Napi::CallbackInfo& info) {
  const at::Tensor& a = unwrapTensor(info.Env(), info[0], "sameTensor");
  const at::Tensor& b = unwrapTensor(info.Env(), info[1], "sameTensor");
  return Napi::Boolean::New(info.Env(), a.is_same(b));
}

}  // namespace

void registerTensorData(Napi::Env env, Napi::Object exports) {
  YOLO_EXPORT(exports, "fromBuffer", FromBuffer);
  YOLO_EXPORT(exports, "toBuffer", ToBuffer);
  YOLO_EXPORT(exports, "shape", Shape);
  YOLO_EXPORT(exports, "strides", Strides);
  YOLO_EXPORT(exports, "dtype", Dtype);
  YOLO_EXPORT(exports, "device", Device);
  YOLO_EXPORT(exports, "numel", Numel);
  YOLO_EXPORT(exports, "sameTensor", SameTensor);
  YOLO_EXPORT(exports, "tensorVersions", TensorVersions);
}

}  // namespace yolo_native
