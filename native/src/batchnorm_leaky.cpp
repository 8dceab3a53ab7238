// Training-mode batch norm followed by leaky ReLU as ONE libtorch autograd
// Function: what aten::batch_norm (training) and leaky_relu_ compute, in
// fewer passes over memory. Forward reads x twice for the per-channel
// statistics and once more to write z = leaky(x·a + b) (a = invstd·γ,
// b = β − mean·a), where batch norm and the in-place leaky ReLU read it four
// times and write it twice. Every number is aten's, bit for bit (the
// statistics rounded to the input's dtype where aten rounds them, its fused
// multiply-adds), and backward is aten's own leaky_relu_backward and
// native_batch_norm_backward on them, in two autograd nodes as the two
// operators make (BatchNormTrainFunction): float32 training then rounds exactly
// as the two operators do (the data-parallel parity tests compare
// float32 Adam updates, which magnify gradient noise under 1e-7, with
// PyTorch's). Generic: any [N, C, ...] dense float32/float64 CPU tensor;
// anything else is left to the caller (the native function answers undefined).
#include "common.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <cmath>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define YOLO_BNL_AVX2 1
#endif

namespace yolo_native {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// x viewed as [n, c, hw]: channel ch's values are n runs of hw.
struct Layout {
  int64_t n, c, hw;
  int64_t run(int64_t i, int64_t ch) const { return (i * c + ch) * hw; }
  int64_t count() const { return n * hw; }
};

template <typename T>
double sumScalar(const T* p, int64_t len) {
  double s = 0;
  for (int64_t i = 0; i < len; ++i) s += double(p[i]);
  return s;
}

// Σ (x − mean)², each square in T as aten's collect_stats takes it.
template <typename T>
double squaredDeviationsScalar(const T* p, int64_t len, T mean) {
  double s = 0;
  for (int64_t i = 0; i < len; ++i) {
    const T d = p[i] - mean;
    s += double(d * d);
  }
  return s;
}

template <typename T>
void normLeakyScalar(const T* x, T* z, int64_t len, T a, T b, T slope) {
  for (int64_t i = 0; i < len; ++i) {
    const T y = std::fma(x[i], a, b);
    z[i] = y > T(0) ? y : y * slope;
  }
}

#ifdef YOLO_BNL_AVX2
__attribute__((target("avx2,fma"))) double hsum(__m256d v) {
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

__attribute__((target("avx2,fma"))) double sumAvx2(const float* p, int64_t len) {
  __m256d a = _mm256_setzero_pd(), b = a;
  int64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    const __m256 v = _mm256_loadu_ps(p + i);
    a = _mm256_add_pd(a, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    b = _mm256_add_pd(b, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
  }
  return hsum(_mm256_add_pd(a, b)) + sumScalar(p + i, len - i);
}

__attribute__((target("avx2,fma"))) double squaredDeviationsAvx2(const float* p, int64_t len, float mean) {
  const __m256 m = _mm256_set1_ps(mean);
  __m256d a = _mm256_setzero_pd(), b = a;
  int64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(p + i), m);
    const __m256 sq = _mm256_mul_ps(d, d);  // rounded to float before the double sum, as aten's
    a = _mm256_add_pd(a, _mm256_cvtps_pd(_mm256_castps256_ps128(sq)));
    b = _mm256_add_pd(b, _mm256_cvtps_pd(_mm256_extractf128_ps(sq, 1)));
  }
  return hsum(_mm256_add_pd(a, b)) + squaredDeviationsScalar(p + i, len - i, mean);
}

__attribute__((target("avx2,fma"))) void normLeakyAvx2(const float* x, float* z, int64_t len, float a, float b, float slope) {
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b), vs = _mm256_set1_ps(slope), zero = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    const __m256 y = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), va, vb);
    _mm256_storeu_ps(z + i, _mm256_blendv_ps(_mm256_mul_ps(y, vs), y, _mm256_cmp_ps(y, zero, _CMP_GT_OQ)));
  }
  normLeakyScalar(x + i, z + i, len - i, a, b, slope);
}

bool hasAvx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#endif

// The loops over one run: AVX2 for float32 where the CPU has it, else scalar.
template <typename T>
struct Kernels {
  static double sum(const T* p, int64_t len) { return sumScalar(p, len); }
  static double squaredDeviations(const T* p, int64_t len, T mean) { return squaredDeviationsScalar(p, len, mean); }
  static void normLeaky(const T* x, T* z, int64_t len, T a, T b, T s) { normLeakyScalar(x, z, len, a, b, s); }
};

#ifdef YOLO_BNL_AVX2
template <>
struct Kernels<float> {
  static double sum(const float* p, int64_t len) { return hasAvx2() ? sumAvx2(p, len) : sumScalar(p, len); }
  static double squaredDeviations(const float* p, int64_t len, float mean) {
    return hasAvx2() ? squaredDeviationsAvx2(p, len, mean) : squaredDeviationsScalar(p, len, mean);
  }
  static void normLeaky(const float* x, float* z, int64_t len, float a, float b, float s) {
    hasAvx2() ? normLeakyAvx2(x, z, len, a, b, s) : normLeakyScalar(x, z, len, a, b, s);
  }
};
#endif

Layout layoutOf(const at::Tensor& x) {
  return {x.size(0), x.size(1), x.dim() > 2 ? x.numel() / (x.size(0) * x.size(1)) : 1};
}

struct Hyper {
  double momentum, eps, slope;
};

struct ForwardTensors {
  const at::Tensor &x, &w, &b;
  at::Tensor &rm, &rv, &z, &mean, &invstd;  // mean and invstd: aten's saved statistics, of x's dtype
};

// One channel: the statistics as aten's batch_norm_cpu_update_stats_template
// and collect_stats take them (mean = Σx / n in double rounded to T; Σ(x −
// mean)² of T squares, rounded to T; divisions by n in T), the running ones
// updated with the momentum rounded to T, then z.
template <typename T>
void forwardChannel(const ForwardTensors& t, const Layout& L, int64_t ch, const Hyper& h) {
  const T* xp = t.x.data_ptr<T>();
  double sum = 0, sq = 0;
  for (int64_t i = 0; i < L.n; ++i) sum += Kernels<T>::sum(xp + L.run(i, ch), L.hw);
  const T mean = T(sum / double(L.count()));
  for (int64_t i = 0; i < L.n; ++i) sq += Kernels<T>::squaredDeviations(xp + L.run(i, ch), L.hw, mean);
  const T varSum = T(sq);
  const T invstd = T(1.0 / std::sqrt(double(varSum / T(L.count())) + h.eps));
  t.mean.data_ptr<T>()[ch] = mean;
  t.invstd.data_ptr<T>()[ch] = invstd;
  const T m = T(h.momentum);
  T* rm = t.rm.data_ptr<T>() + ch;
  T* rv = t.rv.data_ptr<T>() + ch;
  *rm = m * mean + (T(1) - m) * *rm;
  *rv = T(double(m) * double(varSum / T(L.count() - 1)) + double((T(1) - m) * *rv));
  const T a = invstd * t.w.data_ptr<T>()[ch], b = std::fma(-mean, a, t.b.data_ptr<T>()[ch]);
  T* zp = t.z.data_ptr<T>();
  for (int64_t i = 0; i < L.n; ++i) Kernels<T>::normLeaky(xp + L.run(i, ch), zp + L.run(i, ch), L.hw, a, b, T(h.slope));
}

template <typename T>
void forwardKernel(const ForwardTensors& t, const Hyper& h) {
  const Layout L = layoutOf(t.x);
  at::parallel_for(0, L.c, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ++ch) forwardChannel<T>(t, L, ch, h);
  });
}

// The graph these two nodes make is the two operators' own: a batch-norm node
// (NativeBatchNormBackward0's gradient) whose output the leaky node
// (LeakyReluBackward1's, in place) holds. So backward keeps no more memory
// than theirs: the engine frees the leaky node's incoming gradient before
// the batch-norm node allocates g_x.
struct BatchNormTrainFunction : public torch::autograd::Function<BatchNormTrainFunction> {
  // Returns z, the leaky ReLU already applied: LeakyInPlaceFunction then marks it so for autograd.
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                            const at::Tensor& runningMean, const at::Tensor& runningVar, double momentum, double eps, double slope) {
    at::Tensor z = at::empty_like(x, at::MemoryFormat::Contiguous);
    at::Tensor mean = at::empty({x.size(1)}, x.options()), invstd = at::empty_like(mean);
    at::Tensor rm = runningMean, rv = runningVar;
    const ForwardTensors t{x, weight, bias, rm, rv, z, mean, invstd};
    const Hyper h{momentum, eps, slope};
    if (x.scalar_type() == at::kFloat) forwardKernel<float>(t, h);
    else forwardKernel<double>(t, h);
    ctx->save_for_backward({x, weight, mean, invstd});
    ctx->saved_data["eps"] = eps;
    return z;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto s = ctx->get_saved_variables();
    // grads[0] (defined: the context materializes an absent one as zeros) is the leaky node's g_y
    auto r = at::native_batch_norm_backward(grads[0], s[0], s[1], at::Tensor(), at::Tensor(), s[2], s[3], true,
                                            ctx->saved_data["eps"].toDouble(), {true, true, true});
    return {std::get<0>(r), std::get<1>(r), std::get<2>(r), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// leaky_relu_ on a tensor that already holds its result: nothing to compute forward, the
// in-place leaky ReLU's node for autograd (its gradient needs only the result's sign).
struct LeakyInPlaceFunction : public torch::autograd::Function<LeakyInPlaceFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& z, double slope) {
    ctx->mark_dirty({z});
    ctx->save_for_backward({z});  // saved as this node's output: no reference cycle
    ctx->saved_data["slope"] = slope;
    return z;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto s = ctx->get_saved_variables();
    return {at::leaky_relu_backward(grads[0], s[0], ctx->saved_data["slope"].toDouble(), true), at::Tensor()};
  }
};

bool denseCpu(const at::Tensor& t, at::ScalarType type) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == type && t.is_contiguous() && !t.is_sparse();
}

// batchNormLeaky(x, weight, bias, runningMean, runningVar, [momentum, eps, slope]) -> z, or undefined (nothing
// changed) unless x is a dense float32/float64 CPU tensor [N, C, ...] with N·(spatial) > 1, the four
// per-channel tensors dense [C] of its dtype, and slope ≥ 0 (z's sign is y's): the caller then runs
// batch_norm and leaky_relu.
Napi::Value BatchNormLeaky(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const at::Tensor& x = unwrapTensor(env, info[0], "batchNormLeaky input");
  const at::Tensor* per[4];
  const char* names[4] = {"weight", "bias", "runningMean", "runningVar"};
  for (int i = 0; i < 4; ++i) per[i] = &unwrapTensor(env, info[1 + i], names[i]);
  if (!info[5].IsArray() || info[5].As<Napi::Array>().Length() != 3) throwTypeError(env, "batchNormLeaky: expected [momentum, eps, slope]");
  auto hy = info[5].As<Napi::Array>();
  const double momentum = hy.Get(0u).ToNumber().DoubleValue(), eps = hy.Get(1u).ToNumber().DoubleValue(), slope = hy.Get(2u).ToNumber().DoubleValue();
  const at::ScalarType type = x.scalar_type();
  if ((type != at::kFloat && type != at::kDouble) || !denseCpu(x, type) || x.dim() < 2 || !(slope >= 0)) return env.Undefined();
  if (x.size(1) == 0 || x.numel() / x.size(1) < 2) return env.Undefined();  // one value per channel: aten's own answer (and error)
  for (const at::Tensor* t : per)
    if (!denseCpu(*t, type) || t->dim() != 1 || t->size(0) != x.size(1)) return env.Undefined();
  at::Tensor z = BatchNormTrainFunction::apply(x, *per[0], *per[1], *per[2], *per[3], momentum, eps, slope);
  return wrapTensor(env, LeakyInPlaceFunction::apply(z, slope));
}

}  // namespace

void registerBatchNormLeaky(Napi::Env env, Napi::Object exports) {
  YOLO_EXPORT(exports, "batchNormLeaky", BatchNormLeaky);
}

}  // namespace yolo_native
