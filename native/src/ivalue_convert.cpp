// JavaScript <-> IValue conversion driven by an operator's schema, so any
// ATen operator can be called without C++ written for it.
#include "common.h"

#include <ATen/core/function_schema.h>
#include <ATen/core/jit_type.h>

namespace yolo_native {
namespace {

bool isNullish(const Napi::Value& v) { return v.IsUndefined() || v.IsNull(); }

std::string where(const std::string& opName, const c10::Argument& argument) {
  return opName + "(" + argument.name() + ")";
}

double toDouble(const Napi::Env& env, const Napi::Value& v, const std::string& ctx) {
  if (v.IsNumber()) return v.As<Napi::Number>().DoubleValue();
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1.0 : 0.0;
  throwTypeError(env, ctx + ": expected a number");
}

bool toBool(const Napi::Env& env, const Napi::Value& v, const std::string& ctx) {
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value();
  throwTypeError(env, ctx + ": expected a boolean");
}

// A Scalar keeps JavaScript's integers integral, as Python's ints are.
c10::Scalar toScalar(const Napi::Env& env, const Napi::Value& v, const std::string& ctx) {
  if (v.IsBoolean()) return c10::Scalar(v.As<Napi::Boolean>().Value());
  if (v.IsBigInt()) return c10::Scalar(toInt64(env, v, ctx.c_str()));
  if (v.IsNumber()) {
    double d = v.As<Napi::Number>().DoubleValue();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.007199254740992e15)
      return c10::Scalar(static_cast<int64_t>(d));
    return c10::Scalar(d);
  }
  if (isTensorHandle(v)) return unwrapTensor(env, v, ctx.c_str()).item();
  throwTypeError(env, ctx + ": expected a number or boolean");
}

Napi::Array asArray(const Napi::Env& env, const Napi::Value& v, const std::string& ctx) {
  if (!v.IsArray()) throwTypeError(env, ctx + ": expected an array");
  return v.As<Napi::Array>();
}

c10::IValue toList(const Napi::Env& env, const Napi::Value& v, const c10::Argument& argument,
                   const c10::TypePtr& elem, const std::string& ctx) {
  auto kind = elem->kind();
  if (kind == c10::TypeKind::IntType || kind == c10::TypeKind::SymIntType) {
    c10::List<int64_t> list;
    if (v.IsNumber() || v.IsBigInt()) {  // `kernel_size=3` means [3, 3], as in Python
      int64_t n = argument.N() ? *argument.N() : 1;
      for (int64_t i = 0; i < n; ++i) list.push_back(toInt64(env, v, ctx.c_str()));
      return list;
    }
    auto arr = asArray(env, v, ctx);
    for (uint32_t i = 0; i < arr.Length(); ++i) list.push_back(toInt64(env, arr.Get(i), ctx.c_str()));
    return list;
  }
  if (kind == c10::TypeKind::FloatType) {
    c10::List<double> list;
    if (v.IsNumber()) {
      int64_t n = argument.N() ? *argument.N() : 1;
      for (int64_t i = 0; i < n; ++i) list.push_back(toDouble(env, v, ctx));
      return list;
    }
    auto arr = asArray(env, v, ctx);
    for (uint32_t i = 0; i < arr.Length(); ++i) list.push_back(toDouble(env, arr.Get(i), ctx));
    return list;
  }
  if (kind == c10::TypeKind::BoolType) {
    c10::List<bool> list;
    auto arr = asArray(env, v, ctx);
    for (uint32_t i = 0; i < arr.Length(); ++i) list.push_back(toBool(env, arr.Get(i), ctx));
    return list;
  }
  if (kind == c10::TypeKind::TensorType) {
    c10::List<at::Tensor> list;
    auto arr = asArray(env, v, ctx);
    for (uint32_t i = 0; i < arr.Length(); ++i) list.push_back(unwrapTensor(env, arr.Get(i), ctx.c_str()));
    return list;
  }
  if (kind == c10::TypeKind::OptionalType &&
      elem->expectRef<c10::OptionalType>().getElementType()->kind() == c10::TypeKind::TensorType) {
    c10::List<TorchOptional<at::Tensor>> list;
    auto arr = asArray(env, v, ctx);
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value item = arr.Get(i);
      if (isNullish(item)) list.push_back(kTorchNullopt);
      else list.push_back(unwrapTensor(env, item, ctx.c_str()));
    }
    return list;
  }
  throwTypeError(env, ctx + ": list of " + elem->str() + " is not supported");
}

c10::IValue convert(const Napi::Env& env, const Napi::Value& v, const c10::Argument& argument,
                    const c10::TypePtr& type, const std::string& ctx) {
  switch (type->kind()) {
    case c10::TypeKind::OptionalType:
      if (isNullish(v)) return c10::IValue();
      return convert(env, v, argument, type->expectRef<c10::OptionalType>().getElementType(), ctx);
    case c10::TypeKind::TensorType:
      return unwrapTensor(env, v, ctx.c_str());
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
    case c10::TypeKind::ScalarTypeType:
    case c10::TypeKind::LayoutType:
    case c10::TypeKind::MemoryFormatType:
      return toInt64(env, v, ctx.c_str());
    case c10::TypeKind::FloatType:
      return toDouble(env, v, ctx);
    case c10::TypeKind::BoolType:
      return toBool(env, v, ctx);
    case c10::TypeKind::NumberType:
      return toScalar(env, v, ctx);
    case c10::TypeKind::StringType:
      if (!v.IsString()) throwTypeError(env, ctx + ": expected a string");
      return v.As<Napi::String>().Utf8Value();
    case c10::TypeKind::DeviceObjType:
      if (!v.IsString()) throwTypeError(env, ctx + ": expected a device string such as 'cpu' or 'cuda:0'");
      return c10::Device(v.As<Napi::String>().Utf8Value());
    case c10::TypeKind::GeneratorType:
      return unwrapGenerator(env, v);
    case c10::TypeKind::ListType:
      return toList(env, v, argument, type->expectRef<c10::ListType>().getElementType(), ctx);
    case c10::TypeKind::ClassType:
      return unwrapObject(env, v, type, ctx);
    default:
      throwTypeError(env, ctx + ": argument type " + type->str() + " is not supported");
  }
}

}  // namespace

c10::IValue toIValue(const Napi::Env& env, const Napi::Value& value, const c10::Argument& argument,
                     const std::string& opName) {
  std::string ctx = where(opName, argument);
  if (isNullish(value)) {
    if (argument.default_value()) return *argument.default_value();
    if (argument.type()->kind() == c10::TypeKind::OptionalType) return c10::IValue();
    throwTypeError(env, ctx + ": missing required argument");
  }
  return convert(env, value, argument, argument.type(), ctx);
}

Napi::Value fromIValue(const Napi::Env& env, const c10::IValue& value) {
  if (value.isTensor()) return wrapTensor(env, value.toTensor());
  if (value.isNone()) return env.Null();
  if (value.isBool()) return Napi::Boolean::New(env, value.toBool());
  if (value.isInt()) return Napi::Number::New(env, static_cast<double>(value.toInt()));
  if (value.isDouble()) return Napi::Number::New(env, value.toDouble());
  if (value.isString()) return Napi::String::New(env, value.toStringRef());
  if (value.isTensorList()) {
    auto list = value.toTensorList();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) arr.Set(static_cast<uint32_t>(i), wrapTensor(env, list.get(i)));
    return arr;
  }
  if (value.isIntList()) {
    auto list = value.toIntList();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i)
      arr.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(list.get(i))));
    return arr;
  }
  if (value.isTuple()) {
    const auto& elements = value.toTupleRef().elements();
    auto arr = Napi::Array::New(env, elements.size());
    for (size_t i = 0; i < elements.size(); ++i) arr.Set(static_cast<uint32_t>(i), fromIValue(env, elements[i]));
    return arr;
  }
  if (value.isList()) {
    auto list = value.toListRef();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); ++i) arr.Set(static_cast<uint32_t>(i), fromIValue(env, list[i]));
    return arr;
  }
  if (value.isScalar()) return Napi::Number::New(env, value.toScalar().toDouble());
  if (value.isObject()) return wrapObject(env, value);
  throwError(env, "operator returned a value of unsupported type " + value.tagKind());
}

}  // namespace yolo_native
