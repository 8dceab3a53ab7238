// Training-mode batch norm followed by leaky ReLU as ONE libtorch autograd
// Function: what aten::batch_norm (training) and leaky_relu_ compute, with
// the same running-statistics update, in fewer passes over memory. Forward
// reads x once for the per-channel statistics and once to write
// z = leaky(x̂·γ + β), where batch norm + in-place leaky read and write the
// activation three times more; backward reduces Σg_y and Σg_y·(x − mean)
// with g_y = g·(z > 0 ? 1 : slope) in one pass and writes g_x in a second,
// without the g_y tensor the two separate backwards allocate. Generic: any
// [N, C, ...] dense float32/float64 CPU tensor; anything else is left to
// the caller (the native function answers undefined). Sums in double; the
// variance from sums shifted by the channel's first value (one pass, no
// cancellation while the mean is within a few deviations of that value).
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
  double count() const { return double(n) * double(hw); }
};

template <typename T>
void sumShiftedScalar(const T* p, int64_t len, double shift, double& s1, double& s2) {
  for (int64_t i = 0; i < len; ++i) {
    const double d = double(p[i]) - shift;
    s1 += d;
    s2 += d * d;
  }
}

template <typename T>
void normLeakyScalar(const T* x, T* z, int64_t len, T a, T b, T slope) {
  for (int64_t i = 0; i < len; ++i) {
    const T y = std::fma(x[i], a, b);
    z[i] = y > T(0) ? y : y * slope;
  }
}

// Backward needs x̂ = (x − mean)·invstd. With x saved it is (u − p)·q for
// u = x, p = mean, q = invstd; recovered from z (FromZ) it is u = y =
// (z > 0 ? z : z / slope), p = β, q = 1 / γ, and x need not be kept.
template <typename T, bool FromZ>
inline T sourceAt(const T* z, const T* x, int64_t i, T invSlope) {
  if constexpr (FromZ) return z[i] > T(0) ? z[i] : z[i] * invSlope;
  else return x[i];
}

// Σ g_y and Σ g_y·(u − p) over one run.
template <typename T, bool FromZ>
void gradSumsScalar(const T* g, const T* z, const T* x, int64_t len, T slope, T invSlope, double p, double& sdy, double& sdyu) {
  for (int64_t i = 0; i < len; ++i) {
    const double gy = double(z[i] > T(0) ? g[i] : g[i] * slope);
    sdy += gy;
    sdyu += gy * (double(sourceAt<T, FromZ>(z, x, i, invSlope)) - p);
  }
}

// g_x = g_y·a + (u − p)·b + c (a = γ·invstd, b = −a·q·Σg_y·x̂/n, c = −a·Σg_y/n).
template <typename T, bool FromZ>
void gradInputScalar(const T* g, const T* z, const T* x, T* gx, int64_t len, T slope, T invSlope, T p, T a, T b, T c) {
  for (int64_t i = 0; i < len; ++i) {
    const T gy = z[i] > T(0) ? g[i] : g[i] * slope;
    gx[i] = gy * a + (sourceAt<T, FromZ>(z, x, i, invSlope) - p) * b + c;
  }
}

#ifdef YOLO_BNL_AVX2
__attribute__((target("avx2,fma"))) double hsum(__m256d v) {
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

__attribute__((target("avx2,fma"))) void sumShiftedAvx2(const float* p, int64_t len, double shift, double& s1, double& s2) {
  const __m256d k = _mm256_set1_pd(shift);
  __m256d a1 = _mm256_setzero_pd(), b1 = a1, a2 = a1, b2 = a1;
  int64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    const __m256 v = _mm256_loadu_ps(p + i);
    const __m256d lo = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), k);
    const __m256d hi = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), k);
    a1 = _mm256_add_pd(a1, lo);
    b1 = _mm256_add_pd(b1, hi);
    a2 = _mm256_fmadd_pd(lo, lo, a2);
    b2 = _mm256_fmadd_pd(hi, hi, b2);
  }
  s1 += hsum(_mm256_add_pd(a1, b1));
  s2 += hsum(_mm256_add_pd(a2, b2));
  sumShiftedScalar(p + i, len - i, shift, s1, s2);
}

__attribute__((target("avx2,fma"))) __m256 leakyGrad(__m256 g, __m256 z, __m256 slope) {
  return _mm256_blendv_ps(_mm256_mul_ps(g, slope), g, _mm256_cmp_ps(z, _mm256_setzero_ps(), _CMP_GT_OQ));
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

template <bool FromZ>
__attribute__((target("avx2,fma"))) inline __m256 sourceAvx2(const float* z, const float* x, int64_t i, __m256 invSlope) {
  if constexpr (FromZ) {
    const __m256 v = _mm256_loadu_ps(z + i);
    return _mm256_blendv_ps(_mm256_mul_ps(v, invSlope), v, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ));
  } else {
    return _mm256_loadu_ps(x + i);
  }
}

template <bool FromZ>
__attribute__((target("avx2,fma"))) void gradSumsAvx2(const float* g, const float* z, const float* x, int64_t len, float slope, float invSlope,
                                                      double p, double& sdy, double& sdyu) {
  const __m256 vs = _mm256_set1_ps(slope), vi = _mm256_set1_ps(invSlope);
  const __m256d m = _mm256_set1_pd(p);
  __m256d a1 = _mm256_setzero_pd(), b1 = a1, a2 = a1, b2 = a1;
  int64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    const __m256 gy = leakyGrad(_mm256_loadu_ps(g + i), _mm256_loadu_ps(z + i), vs);
    const __m256 u = sourceAvx2<FromZ>(z, x, i, vi);
    const __m256d glo = _mm256_cvtps_pd(_mm256_castps256_ps128(gy)), ghi = _mm256_cvtps_pd(_mm256_extractf128_ps(gy, 1));
    const __m256d ulo = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(u)), m);
    const __m256d uhi = _mm256_sub_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(u, 1)), m);
    a1 = _mm256_add_pd(a1, glo);
    b1 = _mm256_add_pd(b1, ghi);
    a2 = _mm256_fmadd_pd(glo, ulo, a2);
    b2 = _mm256_fmadd_pd(ghi, uhi, b2);
  }
  sdy += hsum(_mm256_add_pd(a1, b1));
  sdyu += hsum(_mm256_add_pd(a2, b2));
  gradSumsScalar<float, FromZ>(g + i, z + i, FromZ ? x : x + i, len - i, slope, invSlope, p, sdy, sdyu);
}

template <bool FromZ>
__attribute__((target("avx2,fma"))) void gradInputAvx2(const float* g, const float* z, const float* x, float* gx, int64_t len, float slope,
                                                       float invSlope, float p, float a, float b, float c) {
  const __m256 vs = _mm256_set1_ps(slope), vi = _mm256_set1_ps(invSlope), vp = _mm256_set1_ps(p);
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b), vc = _mm256_set1_ps(c);
  int64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    const __m256 gy = leakyGrad(_mm256_loadu_ps(g + i), _mm256_loadu_ps(z + i), vs);
    const __m256 um = _mm256_sub_ps(sourceAvx2<FromZ>(z, x, i, vi), vp);
    _mm256_storeu_ps(gx + i, _mm256_fmadd_ps(gy, va, _mm256_fmadd_ps(um, vb, vc)));
  }
  gradInputScalar<float, FromZ>(g + i, z + i, FromZ ? x : x + i, gx + i, len - i, slope, invSlope, p, a, b, c);
}

bool hasAvx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#endif

// The kernels for one run: AVX2 for float32 where the CPU has it, else the scalar loops.
template <typename T>
struct Kernels {
  static void sumShifted(const T* p, int64_t len, double shift, double& s1, double& s2) { sumShiftedScalar(p, len, shift, s1, s2); }
  static void normLeaky(const T* x, T* z, int64_t len, T a, T b, T s) { normLeakyScalar(x, z, len, a, b, s); }
  template <bool FromZ>
  static void gradSums(const T* g, const T* z, const T* x, int64_t len, T s, T is, double p, double& sdy, double& sdyu) {
    gradSumsScalar<T, FromZ>(g, z, x, len, s, is, p, sdy, sdyu);
  }
  template <bool FromZ>
  static void gradInput(const T* g, const T* z, const T* x, T* gx, int64_t len, T s, T is, T p, T a, T b, T c) {
    gradInputScalar<T, FromZ>(g, z, x, gx, len, s, is, p, a, b, c);
  }
};

#ifdef YOLO_BNL_AVX2
template <>
struct Kernels<float> {
  static void sumShifted(const float* p, int64_t len, double shift, double& s1, double& s2) {
    hasAvx2() ? sumShiftedAvx2(p, len, shift, s1, s2) : sumShiftedScalar(p, len, shift, s1, s2);
  }
  static void normLeaky(const float* x, float* z, int64_t len, float a, float b, float s) {
    hasAvx2() ? normLeakyAvx2(x, z, len, a, b, s) : normLeakyScalar(x, z, len, a, b, s);
  }
  template <bool FromZ>
  static void gradSums(const float* g, const float* z, const float* x, int64_t len, float s, float is, double p, double& sdy, double& sdyu) {
    hasAvx2() ? gradSumsAvx2<FromZ>(g, z, x, len, s, is, p, sdy, sdyu) : gradSumsScalar<float, FromZ>(g, z, x, len, s, is, p, sdy, sdyu);
  }
  template <bool FromZ>
  static void gradInput(const float* g, const float* z, const float* x, float* gx, int64_t len, float s, float is, float p, float a, float b,
                        float c) {
    hasAvx2() ? gradInputAvx2<FromZ>(g, z, x, gx, len, s, is, p, a, b, c) : gradInputScalar<float, FromZ>(g, z, x, gx, len, s, is, p, a, b, c);
  }
};
#endif

Layout layoutOf(const at::Tensor& x) {
  return {x.size(0), x.size(1), x.dim() > 2 ? x.numel() / (x.size(0) * x.size(1)) : 1};
}

struct Hyper {
  double momentum, eps, slope;
};

// Statistics, running-statistics update (as aten's batch_norm: momentum·batch
// + (1 − momentum)·running, the variance unbiased) and z, channel by channel.
template <typename T>
void forwardKernel(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, const at::Tensor& rm, const at::Tensor& rv,
                   at::Tensor& z, at::Tensor& mean, at::Tensor& invstd, const Hyper& h) {
  const Layout L = layoutOf(x);
  const T* xp = x.data_ptr<T>();
  T* zp = z.data_ptr<T>();
  const T *wp = w.data_ptr<T>(), *bp = b.data_ptr<T>();
  T *rmp = rm.data_ptr<T>(), *rvp = rv.data_ptr<T>();
  double *mp = mean.data_ptr<double>(), *ip = invstd.data_ptr<double>();
  at::parallel_for(0, L.c, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ++ch) {
      const double shift = L.n * L.hw > 0 ? double(xp[L.run(0, ch)]) : 0.0;
      double s1 = 0, s2 = 0;
      for (int64_t i = 0; i < L.n; ++i) Kernels<T>::sumShifted(xp + L.run(i, ch), L.hw, shift, s1, s2);
      const double d = s1 / L.count();
      const double varSum = std::max(0.0, s2 - s1 * d);  // Σ(x − mean)²
      // mean, Σ(x − mean)², invstd, a = invstd·γ and β − mean·a rounded to T as aten's batch_norm
      // rounds them (its statistics are of the input's dtype), and z = leaky(fma(x, a, β − mean·a)):
      // float32 outputs as aten's, which cancel to ~0 where x·a ≈ −(β − mean·a)
      const T meanT = T(shift + d);
      const double varSumT = double(T(varSum));
      const T invstdT = T(1.0 / std::sqrt(varSumT / L.count() + h.eps));
      mp[ch] = double(meanT);
      ip[ch] = double(invstdT);
      const T m = T(h.momentum);  // aten rounds the momentum to the dtype too
      rmp[ch] = m * meanT + (T(1) - m) * rmp[ch];
      rvp[ch] = T(double(m) * (varSumT / (L.count() - 1)) + double((T(1) - m) * rvp[ch]));
      const T a = invstdT * wp[ch], sh = std::fma(-meanT, a, bp[ch]);
      for (int64_t i = 0; i < L.n; ++i) Kernels<T>::normLeaky(xp + L.run(i, ch), zp + L.run(i, ch), L.hw, a, sh, T(h.slope));
    }
  });
}

// Whether backward can take x̂ from z, γ and β (FromZ), so that x need not be
// kept: z's sign is y's (slope > 0), and every |γ| ≥ |β| / 16 (then x̂'s
// rounding error from y = γx̂ + β stays within 17 ulps of |x̂| + 1).
template <typename T>
bool recoverable(const at::Tensor& w, const at::Tensor& b, double slope) {
  if (!(slope > 0)) return false;
  const T *wp = w.data_ptr<T>(), *bp = b.data_ptr<T>();
  for (int64_t c = 0; c < w.numel(); ++c) {
    const double gamma = std::abs(double(wp[c]));
    if (!(gamma > 0) || !(std::abs(double(bp[c])) <= 16 * gamma)) return false;
  }
  return true;
}

struct Saved {
  at::Tensor g, z, x, w, b, mean, invstd;  // x undefined when recovered from z
  double slope;
};

template <typename T, bool FromZ>
void backwardKernel(const Saved& s, at::Tensor& gx, at::Tensor& gw, at::Tensor& gb) {
  const Layout L = layoutOf(s.z);
  const T *gp = s.g.data_ptr<T>(), *zp = s.z.data_ptr<T>(), *wp = s.w.data_ptr<T>(), *bp = s.b.data_ptr<T>();
  const T* xp = FromZ ? nullptr : s.x.data_ptr<T>();
  const double *mp = s.mean.data_ptr<double>(), *ip = s.invstd.data_ptr<double>();
  T *gxp = gx.data_ptr<T>(), *gwp = gw.data_ptr<T>(), *gbp = gb.data_ptr<T>();
  const T slope = T(s.slope), invSlope = T(1 / s.slope);
  at::parallel_for(0, L.c, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ++ch) {
      // x̂ = (u − p)·q: u = x, p = mean, q = invstd; or from z: u = y, p = β, q = 1 / γ
      const double p = FromZ ? double(bp[ch]) : mp[ch], q = FromZ ? 1 / double(wp[ch]) : ip[ch];
      double sdy = 0, sdyu = 0;
      for (int64_t i = 0; i < L.n; ++i) {
        const int64_t o = L.run(i, ch);
        Kernels<T>::template gradSums<FromZ>(gp + o, zp + o, FromZ ? xp : xp + o, L.hw, slope, invSlope, p, sdy, sdyu);
      }
      const double sdyx = sdyu * q;  // Σ g_y·x̂
      gwp[ch] = T(sdyx);
      gbp[ch] = T(sdy);
      const double a = ip[ch] * double(wp[ch]);
      const T ta = T(a), tb = T(-a * q * sdyx / L.count()), tc = T(-a * sdy / L.count());
      for (int64_t i = 0; i < L.n; ++i) {
        const int64_t o = L.run(i, ch);
        Kernels<T>::template gradInput<FromZ>(gp + o, zp + o, FromZ ? xp : xp + o, gxp + o, L.hw, slope, invSlope, T(p), ta, tb, tc);
      }
    }
  });
}

template <typename T>
void backwardOf(const Saved& s, at::Tensor& gx, at::Tensor& gw, at::Tensor& gb) {
  s.x.defined() ? backwardKernel<T, false>(s, gx, gw, gb) : backwardKernel<T, true>(s, gx, gw, gb);
}

struct BatchNormLeakyFunction : public torch::autograd::Function<BatchNormLeakyFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                            const at::Tensor& runningMean, const at::Tensor& runningVar, double momentum, double eps, double slope) {
    at::Tensor z = at::empty_like(x, at::MemoryFormat::Contiguous);
    at::Tensor mean = at::empty({x.size(1)}, x.options().dtype(at::kDouble));
    at::Tensor invstd = at::empty_like(mean);
    at::Tensor rm = runningMean, rv = runningVar;
    const Hyper h{momentum, eps, slope};
    const bool isFloat = x.scalar_type() == at::kFloat;
    if (isFloat) forwardKernel<float>(x, weight, bias, rm, rv, z, mean, invstd, h);
    else forwardKernel<double>(x, weight, bias, rm, rv, z, mean, invstd, h);
    const bool fromZ = isFloat ? recoverable<float>(weight, bias, slope) : recoverable<double>(weight, bias, slope);
    // z is this node's output: saved without a reference cycle. Without x, the conv output
    // before this layer is freed once the forward moves on (one activation per layer less).
    ctx->save_for_backward({fromZ ? at::Tensor() : x, weight, bias, z});
    ctx->saved_data["mean"] = mean;
    ctx->saved_data["invstd"] = invstd;
    ctx->saved_data["slope"] = slope;
    return z;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    // grads[0] is defined: the context materializes an absent one as zeros
    const Saved s{grads[0].contiguous(), saved[3], saved[0], saved[1], saved[2], ctx->saved_data["mean"].toTensor(),
                  ctx->saved_data["invstd"].toTensor(), ctx->saved_data["slope"].toDouble()};
    at::Tensor gx = at::empty_like(s.z, at::MemoryFormat::Contiguous), gw = at::empty_like(s.w), gb = at::empty_like(s.w);
    if (s.z.scalar_type() == at::kFloat) backwardOf<float>(s, gx, gw, gb);
    else backwardOf<double>(s, gx, gw, gb);
    return {gx, gw, gb, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

bool denseCpu(const at::Tensor& t, at::ScalarType type) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == type && t.is_contiguous() && !t.is_sparse();
}

// batchNormLeaky(x, weight, bias, runningMean, runningVar, [momentum, eps, slope]) -> z, or undefined (nothing
// changed) unless x is a dense float32/float64 CPU tensor [N, C, ...] with N·(spatial) > 0 and the four
// per-channel tensors dense [C] of its dtype, and slope ≥ 0 (z's sign is y's): the caller then runs batch_norm and leaky_relu_.
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
  if ((type != at::kFloat && type != at::kDouble) || !denseCpu(x, type) || x.dim() < 2 || x.numel() == 0 || !(slope >= 0)) return env.Undefined();
  for (const at::Tensor* t : per)
    if (!denseCpu(*t, type) || t->dim() != 1 || t->size(0) != x.size(1)) return env.Undefined();
  return wrapTensor(env, BatchNormLeakyFunction::apply(x, *per[0], *per[1], *per[2], *per[3], momentum, eps, slope));
}

}  // namespace

void registerBatchNormLeaky(Napi::Env env, Napi::Object exports) {
  YOLO_EXPORT(exports, "batchNormLeaky", BatchNormLeaky);
}

}  // namespace yolo_native
