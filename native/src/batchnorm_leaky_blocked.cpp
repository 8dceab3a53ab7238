// Training-mode batch norm followed by leaky ReLU on oneDNN's blocked
// activation layout (a contiguous 5-D tensor [N, ceil(C/b), H, W, b], zeros
// past C; src/nn/blocked.ts), as one libtorch autograd Function:
// yolo::batchnorm_leaky_blocked. Why: the blocked training convolutions
// (dnnl_conv_train.cpp) keep activations in that layout, which aten's batch
// norm cannot read (its channel is one dimension, here two). The formulas
// are batchnorm_leaky.cpp's (aten's): per channel mean = Σx / M in double
// rounded to float, var = Σ(x − mean)² / M of float squares, invstd =
// 1/sqrt(var + eps), running statistics with the unbiased variance, z =
// leaky(x·a + b) (a = invstd·γ, b = β − mean·a); backward, with y = x·a + b
// recomputed for the leaky's slope (z > 0 exactly where y > 0),
//   g_y = g_z · (y > 0 ? 1 : slope), xhat = (x − mean)·invstd,
//   g_x = (g_y − Σg_y / M − xhat · Σ(g_y·xhat) / M) · invstd · γ,
//   g_γ = Σ(g_y·xhat), g_β = Σg_y
// (aten's native_batch_norm_backward), in two passes over x and g_z and no
// g_y tensor. Sums in double; the channels past C stay zero.
#include <torch/csrc/autograd/custom_function.h>
#include <torch/library.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace yolo_native {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// x as [n, blocks, hw, B]: channel blk·B + j at lane j of every (n, hw) of block blk.
struct Blocked {
  int64_t n, blocks, hw, channels;
  int64_t offset(int64_t i, int64_t blk, int64_t b) const { return (i * blocks + blk) * hw * b; }
  int64_t count() const { return n * hw; }
};

// A block's B lanes as one GCC vector (B floats; their double sums as B doubles): one
// or two registers in the AVX-512 and AVX2 builds below.
typedef float F8 __attribute__((vector_size(32)));
typedef double D8 __attribute__((vector_size(64)));
typedef float F16 __attribute__((vector_size(64)));
typedef double D16 __attribute__((vector_size(128)));

template <int B>
struct Lanes;
// (one specialisation per block: GCC's __builtin_convertvector takes no vector type that depends on a template parameter)
#define YOLO_BNB_LANES(B)                                                         \
  template <>                                                                     \
  struct Lanes<B> {                                                               \
    typedef F##B F;                                                               \
    typedef D##B D;                                                               \
    static F load(const float* p) {                                               \
      F v;                                                                        \
      std::memcpy(&v, p, sizeof v);                                               \
      return v;                                                                   \
    }                                                                             \
    static void store(float* p, F v) { std::memcpy(p, &v, sizeof v); }            \
    static D wide(F v) { return __builtin_convertvector(v, D); }                  \
    static F narrow(D v) { return __builtin_convertvector(v, F); }                \
    /* leaky's factor: 1 where y > 0, else slope */                               \
    static F slopeOf(F y, float slope) { return y > 0.f ? F{} + 1.f : F{} + slope; } \
  };
YOLO_BNB_LANES(8)
YOLO_BNB_LANES(16)

template <int B>
__attribute__((always_inline)) inline void forwardBlock(const float* x, float* z, const Blocked& L, int64_t blk, const float* w,
                                                        const float* bias, float* rm, float* rv, float* meanOut, float* invstdOut,
                                                        double momentum, double eps, float slope) {
  using V = Lanes<B>;
  typename V::D sum = {}, sq = {};
  for (int64_t i = 0; i < L.n; ++i) {
    const float* p = x + L.offset(i, blk, B);
    for (int64_t k = 0; k < L.hw; ++k) sum += V::wide(V::load(p + k * B));
  }
  const typename V::F mean = V::narrow(sum / double(L.count()));
  for (int64_t i = 0; i < L.n; ++i) {
    const float* p = x + L.offset(i, blk, B);
    for (int64_t k = 0; k < L.hw; ++k) {
      const typename V::F d = V::load(p + k * B) - mean;
      sq += V::wide(d * d);
    }
  }
  const int lanes = static_cast<int>(std::min<int64_t>(B, L.channels - blk * B));
  const float m = float(momentum), count = float(L.count());
  typename V::F a = {}, b = {};
  for (int j = 0; j < lanes; ++j) {
    const int64_t ch = blk * B + j;
    const float varSum = float(sq[j]);
    const float invstd = float(1.0 / std::sqrt(double(varSum / count) + eps));
    meanOut[ch] = mean[j];
    invstdOut[ch] = invstd;
    rm[ch] = m * mean[j] + (1.f - m) * rm[ch];
    rv[ch] = float(double(m) * double(varSum / float(L.count() - 1)) + double((1.f - m) * rv[ch]));
    a[j] = invstd * w[ch];
    b[j] = std::fma(-mean[j], a[j], bias[ch]);
  }
  // lanes past C: a = b = 0, so z = 0 there
  for (int64_t i = 0; i < L.n; ++i) {
    const float* p = x + L.offset(i, blk, B);
    float* q = z + L.offset(i, blk, B);
    for (int64_t k = 0; k < L.hw; ++k) {
      const typename V::F y = V::load(p + k * B) * a + b;  // contracted to one fma where the target has it
      V::store(q + k * B, y * V::slopeOf(y, slope));
    }
  }
}

template <int B>
__attribute__((always_inline)) inline void backwardBlock(const float* x, const float* g, float* gx, const Blocked& L, int64_t blk,
                                                         const float* w, const float* bias, const float* mean, const float* invstd,
                                                         float slope, float* gw, float* gb) {
  using V = Lanes<B>;
  const int lanes = static_cast<int>(std::min<int64_t>(B, L.channels - blk * B));
  typename V::F mu = {}, is = {}, a = {}, b = {};
  for (int j = 0; j < lanes; ++j) {
    const int64_t ch = blk * B + j;
    mu[j] = mean[ch];
    is[j] = invstd[ch];
    a[j] = is[j] * w[ch];
    b[j] = std::fma(-mu[j], a[j], bias[ch]);
  }
  typename V::D sumG = {}, sumGX = {};
  for (int64_t i = 0; i < L.n; ++i) {
    const int64_t o = L.offset(i, blk, B);
    for (int64_t k = 0; k < L.hw; ++k) {
      const typename V::F xv = V::load(x + o + k * B);
      const typename V::F gy = V::load(g + o + k * B) * V::slopeOf(xv * a + b, slope);
      sumG += V::wide(gy);
      sumGX += V::wide(gy) * V::wide((xv - mu) * is);
    }
  }
  const typename V::F meanG = V::narrow(sumG / double(L.count())), meanGX = V::narrow(sumGX / double(L.count())), scale = a;
  for (int j = 0; j < lanes; ++j) {
    gw[blk * B + j] = float(sumGX[j]);
    gb[blk * B + j] = float(sumG[j]);
  }
  // lanes past C: scale = 0, so g_x = 0 there
  for (int64_t i = 0; i < L.n; ++i) {
    const int64_t o = L.offset(i, blk, B);
    for (int64_t k = 0; k < L.hw; ++k) {
      const typename V::F xv = V::load(x + o + k * B);
      const typename V::F gy = V::load(g + o + k * B) * V::slopeOf(xv * a + b, slope);
      V::store(gx + o + k * B, (gy - meanG - (xv - mu) * is * meanGX) * scale);
    }
  }
}

// The kernels compiled for AVX-512 and for AVX2 (with FMA: std::fma inlined,
// the loops over a block's lanes vectorised), chosen at run time; generic otherwise.
#define YOLO_BNB_ARGS_F const float *x, float *z, const Blocked &L, int64_t blk, const float *w, const float *bias, float *rm, float *rv, \
    float *meanOut, float *invstdOut, double momentum, double eps, float slope
#define YOLO_BNB_PASS_F x, z, L, blk, w, bias, rm, rv, meanOut, invstdOut, momentum, eps, slope
#define YOLO_BNB_ARGS_B const float *x, const float *g, float *gx, const Blocked &L, int64_t blk, const float *w, const float *bias, \
    const float *mean, const float *invstd, float slope, float *gw, float *gb
#define YOLO_BNB_PASS_B x, g, gx, L, blk, w, bias, mean, invstd, slope, gw, gb
#if defined(__x86_64__) && defined(__GNUC__)
#define YOLO_BNB_TARGETS 1
template <int B> __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,fma"))) void forward512(YOLO_BNB_ARGS_F) { forwardBlock<B>(YOLO_BNB_PASS_F); }
template <int B> __attribute__((target("avx2,fma"))) void forward256(YOLO_BNB_ARGS_F) { forwardBlock<B>(YOLO_BNB_PASS_F); }
template <int B> __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,fma"))) void backward512(YOLO_BNB_ARGS_B) { backwardBlock<B>(YOLO_BNB_PASS_B); }
template <int B> __attribute__((target("avx2,fma"))) void backward256(YOLO_BNB_ARGS_B) { backwardBlock<B>(YOLO_BNB_PASS_B); }
#endif

int isaLevel() {
#ifdef YOLO_BNB_TARGETS
  static const int level = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                                   __builtin_cpu_supports("avx512bw")
                               ? 2
                               : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
  return level;
#else
  return 0;
#endif
}

template <int B>
void forwardAny(YOLO_BNB_ARGS_F) {
#ifdef YOLO_BNB_TARGETS
  if (isaLevel() == 2) return forward512<B>(YOLO_BNB_PASS_F);
  if (isaLevel() == 1) return forward256<B>(YOLO_BNB_PASS_F);
#endif
  forwardBlock<B>(YOLO_BNB_PASS_F);
}

template <int B>
void backwardAny(YOLO_BNB_ARGS_B) {
#ifdef YOLO_BNB_TARGETS
  if (isaLevel() == 2) return backward512<B>(YOLO_BNB_PASS_B);
  if (isaLevel() == 1) return backward256<B>(YOLO_BNB_PASS_B);
#endif
  backwardBlock<B>(YOLO_BNB_PASS_B);
}

Blocked layoutOf(const at::Tensor& x, int64_t channels) { return {x.size(0), x.size(1), x.size(2) * x.size(3), channels}; }

struct BatchNormLeakyBlockedFunction : public torch::autograd::Function<BatchNormLeakyBlockedFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                            at::Tensor runningMean, at::Tensor runningVar, double momentum, double eps, double slope, int64_t channels) {
    const Blocked L = layoutOf(x, channels);
    at::Tensor z = at::empty_like(x);
    at::Tensor mean = at::empty({channels}, x.options()), invstd = at::empty_like(mean);
    const float *xp = x.data_ptr<float>(), *wp = weight.data_ptr<float>(), *bp = bias.data_ptr<float>();
    float *zp = z.data_ptr<float>(), *rm = runningMean.data_ptr<float>(), *rv = runningVar.data_ptr<float>();
    float *mp = mean.data_ptr<float>(), *ip = invstd.data_ptr<float>();
    const int64_t block = x.size(4);
    at::parallel_for(0, L.blocks, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t blk = b0; blk < b1; ++blk) {
        if (block == 16) forwardAny<16>(xp, zp, L, blk, wp, bp, rm, rv, mp, ip, momentum, eps, float(slope));
        else forwardAny<8>(xp, zp, L, blk, wp, bp, rm, rv, mp, ip, momentum, eps, float(slope));
      }
    });
    ctx->save_for_backward({x, weight, bias, mean, invstd});
    ctx->saved_data["slope"] = slope;
    ctx->saved_data["channels"] = channels;
    return z;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto s = ctx->get_saved_variables();
    const at::Tensor &x = s[0], &w = s[1], &bias = s[2], &mean = s[3], &invstd = s[4];
    const int64_t channels = ctx->saved_data["channels"].toInt();
    const float slope = float(ctx->saved_data["slope"].toDouble());
    const at::Tensor g = grads[0].contiguous();
    const Blocked L = layoutOf(x, channels);
    at::Tensor gx = at::empty_like(x), gw = at::empty_like(w), gb = at::empty_like(w);
    const int64_t block = x.size(4);
    at::parallel_for(0, L.blocks, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t blk = b0; blk < b1; ++blk) {
        const float *xp = x.data_ptr<float>(), *gp = g.data_ptr<float>(), *wp = w.data_ptr<float>(), *bp = bias.data_ptr<float>();
        const float *mp = mean.data_ptr<float>(), *ip = invstd.data_ptr<float>();
        float *gxp = gx.data_ptr<float>(), *gwp = gw.data_ptr<float>(), *gbp = gb.data_ptr<float>();
        if (block == 16) backwardAny<16>(xp, gp, gxp, L, blk, wp, bp, mp, ip, slope, gwp, gbp);
        else backwardAny<8>(xp, gp, gxp, L, blk, wp, bp, mp, ip, slope, gwp, gbp);
      }
    });
    return {gx, gw, gb, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

bool denseFloat(const at::Tensor& t) { return t.device().is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous(); }

at::Tensor batchNormLeakyBlocked(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias, at::Tensor runningMean,
                                 at::Tensor runningVar, double momentum, double eps, double slope, int64_t channels) {
  TORCH_CHECK(x.dim() == 5 && (x.size(4) == 8 || x.size(4) == 16) && denseFloat(x),
              "batchnorm_leaky_blocked: x must be a contiguous float32 CPU tensor [N, C/b, H, W, b] with b 8 or 16, got ", x.sizes());
  TORCH_CHECK(channels > (x.size(1) - 1) * x.size(4) && channels <= x.size(1) * x.size(4),
              "batchnorm_leaky_blocked: ", channels, " channels do not fill ", x.size(1), " blocks of ", x.size(4));
  for (const at::Tensor* t : std::initializer_list<const at::Tensor*>{&weight, &bias, &runningMean, &runningVar})
    TORCH_CHECK(denseFloat(*t) && t->dim() == 1 && t->size(0) == channels, "batchnorm_leaky_blocked: weight, bias and running statistics must be float32 [", channels, "]");
  TORCH_CHECK(slope >= 0, "batchnorm_leaky_blocked: slope must be >= 0, got ", slope);
  TORCH_CHECK(x.size(0) * x.size(2) * x.size(3) > 1, "batchnorm_leaky_blocked: one value per channel (batch norm needs more)");
  return BatchNormLeakyBlockedFunction::apply(x, weight, bias, runningMean, runningVar, momentum, eps, slope, channels);
}

}  // namespace
}  // namespace yolo_native

TORCH_LIBRARY_FRAGMENT(yolo, m) {
  m.def("batchnorm_leaky_blocked(Tensor x, Tensor weight, Tensor bias, Tensor(a!) running_mean, Tensor(b!) running_var, "
        "float momentum, float eps, float slope, int channels) -> Tensor",
        yolo_native::batchNormLeakyBlocked);
}
