// Calls any registered ATen operator by its schema name through the boxed
// dispatcher, the path TorchScript uses: autograd, device dispatch and
// argument defaults all come from libtorch itself.
#include "common.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <sstream>
#include <vector>

namespace yolo_native {
namespace {

std::vector<c10::OperatorHandle>& operators() {
  static std::vector<c10::OperatorHandle> ops;
  return ops;
}

// findOp("aten::add", "Tensor") -> id for callOp, or -1 when no such operator.
Napi::Value FindOp(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsString() || !info[1].IsString()) throwTypeError(env, "findOp(name, overload): expected strings");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string overload = info[1].As<Napi::String>().Utf8Value();
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!handle) return Napi::Number::New(env, -1);
  operators().push_back(*handle);
  return Napi::Number::New(env, static_cast<double>(operators().size() - 1));
}

const c10::OperatorHandle& operatorById(const Napi::Env& env, const Napi::Value& id) {
  int64_t index = toInt64(env, id, "operator id");
  if (index < 0 || index >= static_cast<int64_t>(operators().size())) throwError(env, "unknown operator id");
  return operators()[index];
}

Napi::Value OpSchema(const Napi::CallbackInfo& info) {
  std::ostringstream out;
  out << operatorById(info.Env(), info[0]).schema();
  return Napi::String::New(info.Env(), out.str());
}

// Overloads of one operator name, as schema strings, for error messages and discovery.
Napi::Value ListOverloads(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  auto result = Napi::Array::New(env);
  uint32_t n = 0;
  for (const auto& opName : c10::Dispatcher::singleton().getAllOpNames()) {
    if (opName.name != name) continue;
    auto handle = c10::Dispatcher::singleton().findSchema(opName);
    if (!handle) continue;
    std::ostringstream out;
    out << handle->schema();
    result.Set(n++, Napi::String::New(env, out.str()));
  }
  return result;
}

// callOp(id, args): args are positional, in schema order; missing trailing
// arguments take the schema's defaults. Returns one value, or an array when
// the operator returns several.
Napi::Value CallOp(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const c10::OperatorHandle& op = operatorById(env, info[0]);
  if (!info[1].IsArray()) throwTypeError(env, "callOp: expected an argument array");
  auto args = info[1].As<Napi::Array>();
  const auto& schema = op.schema();
  const auto& arguments = schema.arguments();
  if (args.Length() > arguments.size())
    throwTypeError(env, schema.name() + ": expected at most " + std::to_string(arguments.size()) +
                            " arguments, got " + std::to_string(args.Length()));
  torch::jit::Stack stack;
  stack.reserve(arguments.size());
  for (size_t i = 0; i < arguments.size(); ++i) {
    Napi::Value v = i < args.Length() ? args.Get(static_cast<uint32_t>(i)) : env.Undefined();
    stack.push_back(toIValue(env, v, arguments[i], schema.name()));
  }
  op.callBoxed(&stack);
  if (stack.size() == 1) return fromIValue(env, stack[0]);
  auto result = Napi::Array::New(env, stack.size());
  for (size_t i = 0; i < stack.size(); ++i) result.Set(static_cast<uint32_t>(i), fromIValue(env, stack[i]));
  return result;
}

}  // namespace

void registerOps(Napi::Env env, Napi::Object exports) {
  YOLO_EXPORT(exports, "findOp", FindOp);
  YOLO_EXPORT(exports, "opSchema", OpSchema);
  YOLO_EXPORT(exports, "listOverloads", ListOverloads);
  YOLO_EXPORT(exports, "callOp", CallOp);
}

}  // namespace yolo_native
