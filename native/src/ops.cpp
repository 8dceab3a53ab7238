// Calls any registered ATen operator by its schema name through the boxed
// dispatcher, the path TorchScript uses: autograd, device dispatch and
// argument defaults all come from libtorch itself.
#include "common.h"

#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>

#include <cmath>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

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

// One Adam (or AdamW) update of a float32 CPU parameter in one pass over
// memory, as torch.optim.Adam's single-tensor steps compute it element by
// element (the same float operations in the same order), where the
// operator-by-operator update reads and writes the parameter-sized tensors
// ~14 times. AVX2 (8 floats at a time) where the CPU has it.
struct AdamScalars {
  float b1, c1, b2, c2, eps, wd, decay, bc2sqrt, stepSize;  // c1 = 1 - beta1, c2 = 1 - beta2, stepSize = -lr / bc1
};

void adamScalar(float* p, const float* g, float* m, float* v, int64_t begin, int64_t end, const AdamScalars& a) {
  for (int64_t i = begin; i < end; ++i) {
    float pi = p[i] * a.decay;  // AdamW: param.mul_(1 - lr * wd) first (decay = 1 otherwise)
    float gi = a.wd != 0.f ? g[i] + a.wd * pi : g[i];  // Adam: grad.add(param, alpha=wd) (wd = 0 for AdamW)
    float mi = m[i] * a.b1 + a.c1 * gi;  // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
    float vi = v[i] * a.b2 + a.c2 * gi * gi;  // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    m[i] = mi;
    v[i] = vi;
    float denom = std::sqrt(vi) / a.bc2sqrt + a.eps;  // (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
    p[i] = pi + a.stepSize * mi / denom;  // param.addcdiv_(exp_avg, denom, value=-step_size)
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) void adamAvx2(float* p, const float* g, float* m, float* v, int64_t begin, int64_t end,
                                              const AdamScalars& a) {
  const __m256 b1 = _mm256_set1_ps(a.b1), c1 = _mm256_set1_ps(a.c1), b2 = _mm256_set1_ps(a.b2), c2 = _mm256_set1_ps(a.c2);
  const __m256 eps = _mm256_set1_ps(a.eps), wd = _mm256_set1_ps(a.wd), decay = _mm256_set1_ps(a.decay);
  const __m256 bc2sqrt = _mm256_set1_ps(a.bc2sqrt), stepSize = _mm256_set1_ps(a.stepSize);
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) {  // the same operations as adamScalar, in the same order
    __m256 pi = _mm256_mul_ps(_mm256_loadu_ps(p + i), decay);
    __m256 gi = _mm256_loadu_ps(g + i);
    if (a.wd != 0.f) gi = _mm256_add_ps(gi, _mm256_mul_ps(wd, pi));
    __m256 mi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(m + i), b1), _mm256_mul_ps(c1, gi));
    __m256 vi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(v + i), b2), _mm256_mul_ps(_mm256_mul_ps(c2, gi), gi));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), bc2sqrt), eps);
    _mm256_storeu_ps(p + i, _mm256_add_ps(pi, _mm256_div_ps(_mm256_mul_ps(stepSize, mi), denom)));
  }
  adamScalar(p, g, m, v, i, end, a);
}
#endif

void adamKernel(float* p, const float* g, float* m, float* v, int64_t begin, int64_t end, const AdamScalars& a) {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return adamAvx2(p, g, m, v, begin, end, a);
#endif
  adamScalar(p, g, m, v, begin, end, a);
}

bool denseFloatCpu(const at::Tensor& t, const at::Tensor& like) {
  return t.device().is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous() && t.numel() == like.numel();
}

// adamUpdate(param, grad, expAvg, expAvgSq, [lr, beta1, beta2, eps, weightDecay, decoupled, step]) -> true,
// or false (nothing changed) when a tensor is not dense float32 on the CPU: the caller then runs the operators.
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const at::Tensor& p = unwrapTensor(env, info[0], "param");
  const at::Tensor& g = unwrapTensor(env, info[1], "grad");
  const at::Tensor& m = unwrapTensor(env, info[2], "expAvg");
  const at::Tensor& v = unwrapTensor(env, info[3], "expAvgSq");
  if (!info[4].IsArray() || info[4].As<Napi::Array>().Length() != 7) throwTypeError(env, "adamUpdate: expected 7 hyper-parameters");
  auto h = info[4].As<Napi::Array>();
  double x[7];
  for (uint32_t i = 0; i < 7; ++i) x[i] = h.Get(i).ToNumber().DoubleValue();
  const double lr = x[0], beta1 = x[1], beta2 = x[2], eps = x[3], wd = x[4], step = x[6];
  const bool decoupled = x[5] != 0;
  for (const at::Tensor* t : {&p, &g, &m, &v})
    if (!denseFloatCpu(*t, p)) return Napi::Boolean::New(env, false);
  const double bc1 = 1 - std::pow(beta1, step), bc2sqrt = std::sqrt(1 - std::pow(beta2, step));
  float* pp = p.data_ptr<float>();
  const float* gp = g.data_ptr<float>();
  float* mp = m.data_ptr<float>();
  float* vp = v.data_ptr<float>();
  const AdamScalars a{float(beta1), float(1 - beta1), float(beta2), float(1 - beta2), float(eps),
                      decoupled ? 0.f : float(wd), decoupled ? float(1 - lr * wd) : 1.f, float(bc2sqrt), float(-(lr / bc1))};
  at::parallel_for(0, p.numel(), 1 << 15, [&](int64_t b, int64_t e) { adamKernel(pp, gp, mp, vp, b, e, a); });
  return Napi::Boolean::New(env, true);
}

}  // namespace

void registerOps(Napi::Env env, Napi::Object exports) {
  YOLO_EXPORT(exports, "findOp", FindOp);
  YOLO_EXPORT(exports, "opSchema", OpSchema);
  YOLO_EXPORT(exports, "listOverloads", ListOverloads);
  YOLO_EXPORT(exports, "callOp", CallOp);
  YOLO_EXPORT(exports, "adamUpdate", AdamUpdate);
}

}  // namespace yolo_native
