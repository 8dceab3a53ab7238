// 2x2 stride-2 max pooling (no padding, floor mode) of a dense float32/float64
// CPU tensor [..., H, W] as one autograd Function: aten::max_pool2d's values
// and gradients bit for bit, where aten's CPU kernel (1.13) visits each
// window's four values one by one with their int64 indices, saves those
// indices for backward, and its backward zero-fills the whole input gradient
// before scattering into it. Here forward compares 8 windows at a time
// (AVX2) and saves nothing of its own: backward finds each window's argmax
// again in x (autograd keeps x and y: x is the layer before's output and y
// the next layer's input) and writes every input gradient once.
// aten's rule for the max: in window order (row by row), a value wins if it
// is greater than the one so far or is NaN; its index is the first such.
#include "common.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <cmath>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define YOLO_MP_AVX2 1
#endif

namespace yolo_native {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Planes {
  int64_t count, h, w, oh, ow;  // count planes of h x w in, oh x ow out
};

Planes planesOf(const at::Tensor& x) {
  const int64_t h = x.size(-2), w = x.size(-1);
  return {x.numel() / (h * w), h, w, h / 2, w / 2};
}

template <typename T>
inline bool wins(T v, T best) {
  return v > best || std::isnan(v);
}

// The window's position (0..3 in row order) aten's max_pool2d picks.
template <typename T>
inline int argmaxOf(const T v[4]) {
  int k = 0;
  for (int i = 1; i < 4; ++i)
    if (wins(v[i], v[k])) k = i;
  return k;
}

template <typename T>
void poolRowScalar(const T* r0, const T* r1, T* out, int64_t from, int64_t ow) {
  for (int64_t j = from; j < ow; ++j) {
    const T v[4] = {r0[2 * j], r0[2 * j + 1], r1[2 * j], r1[2 * j + 1]};
    out[j] = v[argmaxOf(v)];
  }
}

#ifdef YOLO_MP_AVX2
// The even and the odd columns of 16 floats, in order.
__attribute__((target("avx2"))) inline void deinterleave(const float* p, __m256& even, __m256& odd) {
  const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
  const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)), o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
  even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
  odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
}

// Where v wins over best (aten's rule): greater, or NaN.
__attribute__((target("avx2"))) inline __m256 takes(__m256 v, __m256 best) {
  return _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

__attribute__((target("avx2"))) inline __m256 step(__m256 best, __m256 v) { return _mm256_blendv_ps(best, v, takes(v, best)); }

// The even and odd columns back in order, 16 floats from p.
__attribute__((target("avx2"))) inline void interleave(float* p, __m256 even, __m256 odd) {
  const __m256 lo = _mm256_unpacklo_ps(even, odd), hi = _mm256_unpackhi_ps(even, odd);
  _mm256_storeu_ps(p, _mm256_permute2f128_ps(lo, hi, 0x20));
  _mm256_storeu_ps(p + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
}

__attribute__((target("avx2"))) void poolRowAvx2(const float* r0, const float* r1, float* out, int64_t ow) {
  int64_t j = 0;
  for (; j + 8 <= ow; j += 8) {
    __m256 a, b, c, d;
    deinterleave(r0 + 2 * j, a, b);
    deinterleave(r1 + 2 * j, c, d);
    _mm256_storeu_ps(out + j, step(step(step(a, b), c), d));
  }
  poolRowScalar(r0, r1, out, j, ow);
}

// Input gradients of 8 windows: g (+0, as aten's zero-filled sum) at each one's argmax, 0 elsewhere,
// interleaved back into the two input rows.
__attribute__((target("avx2"))) void gradRowAvx2(const float* r0, const float* r1, const float* g, float* d0, float* d1, int64_t j) {
  __m256 a, b, c, d;
  deinterleave(r0 + 2 * j, a, b);
  deinterleave(r1 + 2 * j, c, d);
  const __m256 tb = takes(b, a), best1 = _mm256_blendv_ps(a, b, tb);
  const __m256 tc = takes(c, best1), best2 = _mm256_blendv_ps(best1, c, tc);
  const __m256 td = takes(d, best2);
  const __m256 inD = td, inC = _mm256_andnot_ps(td, tc), inB = _mm256_andnot_ps(_mm256_or_ps(tc, td), tb);
  const __m256 inA = _mm256_andnot_ps(_mm256_or_ps(_mm256_or_ps(tb, tc), td), _mm256_castsi256_ps(_mm256_set1_epi32(-1)));
  const __m256 zero = _mm256_setzero_ps(), gv = _mm256_add_ps(_mm256_loadu_ps(g + j), zero);
  const __m256 ga = _mm256_and_ps(gv, inA), gb = _mm256_and_ps(gv, inB), gc = _mm256_and_ps(gv, inC), gd = _mm256_and_ps(gv, inD);
  interleave(d0 + 2 * j, ga, gb);
  interleave(d1 + 2 * j, gc, gd);
}

bool hasAvx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

template <typename T>
void poolRow(const T* r0, const T* r1, T* out, int64_t ow) {
#ifdef YOLO_MP_AVX2
  if constexpr (std::is_same_v<T, float>) {
    if (hasAvx2()) return poolRowAvx2(r0, r1, out, ow);
  }
#endif
  poolRowScalar(r0, r1, out, 0, ow);
}

template <typename T>
void forwardKernel(const at::Tensor& x, at::Tensor& y) {
  const Planes P = planesOf(x);
  const T* xp = x.data_ptr<T>();
  T* yp = y.data_ptr<T>();
  at::parallel_for(0, P.count * P.oh, 16, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const T* r0 = xp + (r / P.oh) * P.h * P.w + (r % P.oh) * 2 * P.w;
      poolRow(r0, r0 + P.w, yp + r * P.ow, P.ow);
    }
  });
}

// Every input gradient written once: 0 + g at each window's argmax (aten adds g
// to its zero-filled gradient: -0 becomes +0), 0 elsewhere and in the odd last
// row or column no window covers.
template <typename T>
void backwardKernel(const at::Tensor& x, const at::Tensor& g, at::Tensor& gx) {
  const Planes P = planesOf(x);
  const T *xp = x.data_ptr<T>(), *gp = g.data_ptr<T>();
  T* gxp = gx.data_ptr<T>();
  at::parallel_for(0, P.count * P.oh, 16, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t plane = r / P.oh, row = r % P.oh, at0 = plane * P.h * P.w + row * 2 * P.w;
      const T *r0 = xp + at0, *r1 = r0 + P.w, *gr = gp + r * P.ow;
      T *d0 = gxp + at0, *d1 = d0 + P.w;
      int64_t j = 0;
#ifdef YOLO_MP_AVX2
      if constexpr (std::is_same_v<T, float>) {
        if (hasAvx2())
          for (; j + 8 <= P.ow; j += 8) gradRowAvx2(r0, r1, gr, d0, d1, j);
      }
#endif
      for (; j < P.ow; ++j) {
        const T v[4] = {r0[2 * j], r0[2 * j + 1], r1[2 * j], r1[2 * j + 1]};
        const int k = argmaxOf(v);
        T* dst[4] = {d0 + 2 * j, d0 + 2 * j + 1, d1 + 2 * j, d1 + 2 * j + 1};
        for (int i = 0; i < 4; ++i) *dst[i] = i == k ? T(0) + gr[j] : T(0);
      }
      if (P.w % 2) d0[P.w - 1] = d1[P.w - 1] = T(0);
      if (P.h % 2 && row == P.oh - 1) std::fill(d1 + P.w, d1 + 2 * P.w, T(0));
    }
  });
}

struct MaxPool2x2Function : public torch::autograd::Function<MaxPool2x2Function> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x) {
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape[shape.size() - 2] /= 2;
    shape[shape.size() - 1] /= 2;
    at::Tensor y = at::empty(shape, x.options());
    if (x.scalar_type() == at::kFloat) forwardKernel<float>(x, y);
    else forwardKernel<double>(x, y);
    ctx->save_for_backward({x});
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const at::Tensor x = ctx->get_saved_variables()[0];
    const at::Tensor g = grads[0].contiguous();
    at::Tensor gx = at::empty_like(x, at::MemoryFormat::Contiguous);
    if (x.scalar_type() == at::kFloat) backwardKernel<float>(x, g, gx);
    else backwardKernel<double>(x, g, gx);
    return {gx};
  }
};

// maxPool2x2(x) -> y, or undefined (nothing done) unless x is a dense float32/float64 CPU
// tensor of 3 or 4 dims with H, W >= 2: the caller then runs aten::max_pool2d.
Napi::Value MaxPool2x2(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const at::Tensor& x = unwrapTensor(env, info[0], "maxPool2x2 input");
  const at::ScalarType type = x.scalar_type();
  if ((type != at::kFloat && type != at::kDouble) || !x.device().is_cpu() || !x.is_contiguous() || x.is_sparse()) return env.Undefined();
  if ((x.dim() != 3 && x.dim() != 4) || x.size(-1) < 2 || x.size(-2) < 2 || x.numel() == 0) return env.Undefined();
  return wrapTensor(env, MaxPool2x2Function::apply(x));
}

}  // namespace

void registerMaxPool2x2(Napi::Env env, Napi::Object exports) {
  YOLO_EXPORT(exports, "maxPool2x2", MaxPool2x2);
}

}  // namespace yolo_native
