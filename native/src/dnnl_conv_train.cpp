// A training convolution on oneDNN's blocked activation layout, as one
// libtorch autograd Function: yolo::dnnl_conv_train(x, weight, bias, ...)
// takes x blocked (nChw8c / nChw16c held as a contiguous 5-D tensor
// [N, ceil(C/b), H, W, b], zeros past C; or a plain contiguous nchw first
// layer's input) and returns its output blocked; backward gives the input's
// gradient blocked and the weight's and bias's as the parameters lie (oihw).
// Why: aten's convolution takes and returns plain tensors, so oneDNN
// reorders the activations into its blocked layout and back around every
// convolution, forward and backward (a yolov3 step at 416, batch 4, on a
// 2-core AVX-512 VM: 0.73 s of reorders in a 4.5 s step, ONEDNN_VERBOSE);
// kept blocked from one convolution to the next, only the weights are
// reordered. Same oneDNN kernels as aten's (jit:avx512_core / jit:avx2 on
// blocked data), so the same arithmetic per convolution.
// Built only where the oneDNN headers are (binding.gyp, YOLO_DNNL).
#include "dnnl_layout.h"

#include <oneapi/dnnl/dnnl.hpp>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/library.h>

#include <ATen/ATen.h>

#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace yolo_native {
namespace {

using dnnl::memory;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

using dnnl_layout::blockedShape;
using dnnl_layout::blockedTag;
using dnnl_layout::dimsOf;
using dnnl_layout::zeroPastChannels;
using dnnl_layout::cpuEngine;

// The three primitives of one convolution shape, made once per shape.
struct Primitives {
  dnnl::convolution_forward::primitive_desc fwd;
  dnnl::convolution_backward_data::primitive_desc bwdData;
  dnnl::convolution_backward_weights::primitive_desc bwdWeights;
  memory::desc plainWeights;  // the parameter as it lies: oihw (goihw with groups)
  std::vector<int64_t> outputSize;  // [N, OC, OH, OW]
  bool planarSource;  // x is a plain nchw tensor (a first layer's), not blocked
};

struct Geometry {
  std::vector<int64_t> input, weight, stride, padding;
  int64_t groups, block;
  bool planar, bias;
  std::string key() const {
    std::ostringstream k;
    for (const auto* v : {&input, &weight, &stride, &padding}) {
      for (int64_t d : *v) k << d << ',';
      k << ';';
    }
    k << groups << ';' << block << ';' << planar << ';' << bias;
    return k.str();
  }
};

std::shared_ptr<Primitives> build(const Geometry& g) {
  auto p = std::make_shared<Primitives>();
  const int64_t oc = g.weight[0], kh = g.weight[2], kw = g.weight[3];
  const int64_t oh = (g.input[2] + 2 * g.padding[0] - kh) / g.stride[0] + 1;
  const int64_t ow = (g.input[3] + 2 * g.padding[1] - kw) / g.stride[1] + 1;
  TORCH_CHECK(oh > 0 && ow > 0, "dnnl_conv_train: the kernel does not fit the input");
  p->outputSize = {g.input[0], oc, oh, ow};
  p->planarSource = g.planar;
  memory::dims wDims = dimsOf(g.weight);
  memory::format_tag wTag = memory::format_tag::oihw;
  if (g.groups > 1) {
    wDims = {g.groups, oc / g.groups, g.weight[1], kh, kw};
    wTag = memory::format_tag::goihw;
  }
  p->plainWeights = memory::desc(wDims, memory::data_type::f32, wTag);
  const auto f32 = memory::data_type::f32;
  const memory::desc src(dimsOf(g.input), f32, g.planar ? memory::format_tag::nchw : blockedTag(g.block));
  const memory::desc dst(dimsOf(p->outputSize), f32, blockedTag(g.block));
  const memory::desc anyW(wDims, f32, memory::format_tag::any);
  const memory::desc bias({oc}, f32, memory::format_tag::x);
  const memory::dims s{g.stride[0], g.stride[1]}, pad{g.padding[0], g.padding[1]};
  const auto direct = dnnl::algorithm::convolution_direct;
  // scratchpads from libtorch's allocator (scratch below), as aten's: oneDNN's own allocates and
  // frees them at every call, and backward-weights' per-thread partial sums are large (page faults)
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  auto fd = g.bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, direct, src, anyW, bias, dst, s, pad, pad)
                   : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, direct, src, anyW, dst, s, pad, pad);
  p->fwd = dnnl::convolution_forward::primitive_desc(fd, attr, cpuEngine());
  p->bwdData = dnnl::convolution_backward_data::primitive_desc(
      dnnl::convolution_backward_data::desc(direct, src, anyW, dst, s, pad, pad), attr, cpuEngine(), p->fwd);
  auto wd = g.bias ? dnnl::convolution_backward_weights::desc(direct, src, anyW, bias, dst, s, pad, pad)
                   : dnnl::convolution_backward_weights::desc(direct, src, anyW, dst, s, pad, pad);
  p->bwdWeights = dnnl::convolution_backward_weights::primitive_desc(wd, attr, cpuEngine(), p->fwd);
  return p;
}

std::shared_ptr<Primitives> primitivesFor(const Geometry& g) {
  static std::mutex lock;
  static std::unordered_map<std::string, std::shared_ptr<Primitives>> cache;
  const std::string key = g.key();
  std::lock_guard<std::mutex> hold(lock);
  auto& slot = cache[key];
  if (!slot) slot = build(g);
  return slot;
}

// A tensor holding `desc`'s bytes, from libtorch's allocator (the block cache).
at::Tensor bytesFor(const memory::desc& desc) {
  return at::empty({static_cast<int64_t>((desc.get_size() + 3) / 4)}, at::kFloat);
}

// The scratchpad a primitive asks for, in `holder` (kept alive until the call returns).
memory scratch(const memory::desc& desc, at::Tensor& holder) {
  holder = bytesFor(desc);
  return memory(desc, cpuEngine(), holder.data_ptr());
}

// The parameter's values in the layout `want`, in a new tensor (oneDNN reorders from oihw).
at::Tensor reorderWeights(dnnl::stream& s, const at::Tensor& w, const memory::desc& plain, const memory::desc& want) {
  at::Tensor out = bytesFor(want);
  memory from(plain, cpuEngine(), w.data_ptr()), to(want, cpuEngine(), out.data_ptr());
  dnnl::reorder(from, to).execute(s, from, to);
  return out;
}

// x's geometry: its logical [N, C, H, W] (C from the weight where x is blocked; a 4-D x is a plain nchw one).
Geometry geometryOf(const at::Tensor& x, const at::Tensor& w, std::vector<int64_t> stride, std::vector<int64_t> padding, int64_t groups,
                    int64_t block, bool bias) {
  const bool planar = x.dim() == 4;
  std::vector<int64_t> input = planar ? x.sizes().vec() : std::vector<int64_t>{x.size(0), w.size(1) * groups, x.size(2), x.size(3)};
  return {std::move(input), w.sizes().vec(), std::move(stride), std::move(padding), groups, block, planar, bias};
}

struct ConvTrainFunction : public torch::autograd::Function<ConvTrainFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                            std::vector<int64_t> stride, std::vector<int64_t> padding, int64_t groups, int64_t block) {
    const Geometry g = geometryOf(x, weight, stride, padding, groups, block, bias.numel() > 0);
    auto p = primitivesFor(g);
    const at::Tensor in = x.contiguous(), w = weight.contiguous();
    at::Tensor y = at::empty(blockedShape(p->outputSize, block), x.options());
    dnnl::stream s(cpuEngine());
    at::Tensor packed = reorderWeights(s, w, p->plainWeights, p->fwd.weights_desc());
    memory src(p->fwd.src_desc(), cpuEngine(), in.data_ptr()), dst(p->fwd.dst_desc(), cpuEngine(), y.data_ptr());
    memory wm(p->fwd.weights_desc(), cpuEngine(), packed.data_ptr());
    at::Tensor pad;
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dst},
                                         {DNNL_ARG_SCRATCHPAD, scratch(p->fwd.scratchpad_desc(), pad)}};
    at::Tensor b;
    if (g.bias) {
      b = bias.contiguous();
      args.insert({DNNL_ARG_BIAS, memory(p->fwd.bias_desc(), cpuEngine(), b.data_ptr())});
    }
    dnnl::convolution_forward(p->fwd).execute(s, args);
    s.wait();
    zeroPastChannels(y, p->outputSize[1]);
    ctx->save_for_backward({in, w});
    ctx->saved_data["geometry"] = std::vector<int64_t>{groups, block, g.bias};
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &in = saved[0], &w = saved[1];
    const auto gv = ctx->saved_data["geometry"].toIntVector();
    const Geometry g = geometryOf(in, w, ctx->saved_data["stride"].toIntVector(), ctx->saved_data["padding"].toIntVector(), gv[0], gv[1], gv[2] != 0);
    auto p = primitivesFor(g);
    const at::Tensor dy = grads[0].contiguous();
    dnnl::stream s(cpuEngine());
    memory diffDst(p->bwdWeights.diff_dst_desc(), cpuEngine(), dy.data_ptr());
    at::Tensor dx;
    if (ctx->needs_input_grad(0)) {
      TORCH_CHECK(!g.planar, "dnnl_conv_train: no input gradient for a plain (first-layer) input");
      dx = at::empty_like(in);
      at::Tensor packed = reorderWeights(s, w, p->plainWeights, p->bwdData.weights_desc());
      memory wm(p->bwdData.weights_desc(), cpuEngine(), packed.data_ptr());
      memory diffSrc(p->bwdData.diff_src_desc(), cpuEngine(), dx.data_ptr());
      memory dd(p->bwdData.diff_dst_desc(), cpuEngine(), dy.data_ptr());
      at::Tensor pad;
      dnnl::convolution_backward_data(p->bwdData).execute(s, {{DNNL_ARG_DIFF_DST, dd}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DIFF_SRC, diffSrc},
                                                              {DNNL_ARG_SCRATCHPAD, scratch(p->bwdData.scratchpad_desc(), pad)}});
      s.wait();
      zeroPastChannels(dx, g.input[1]);
    }
    at::Tensor dwPacked = bytesFor(p->bwdWeights.diff_weights_desc());
    at::Tensor dw = at::empty(w.sizes(), w.options());
    memory src(p->bwdWeights.src_desc(), cpuEngine(), in.data_ptr());
    memory dwm(p->bwdWeights.diff_weights_desc(), cpuEngine(), dwPacked.data_ptr());
    at::Tensor pad;
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diffDst}, {DNNL_ARG_DIFF_WEIGHTS, dwm},
                                         {DNNL_ARG_SCRATCHPAD, scratch(p->bwdWeights.scratchpad_desc(), pad)}};
    at::Tensor db;
    if (g.bias) {
      db = at::empty({w.size(0)}, w.options());
      args.insert({DNNL_ARG_DIFF_BIAS, memory(p->bwdWeights.diff_bias_desc(), cpuEngine(), db.data_ptr())});
    }
    dnnl::convolution_backward_weights(p->bwdWeights).execute(s, args);
    memory plain(p->plainWeights, cpuEngine(), dw.data_ptr());
    dnnl::reorder(dwm, plain).execute(s, dwm, plain);
    s.wait();
    return {dx, dw, db, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

at::Tensor convTrain(const at::Tensor& x, const at::Tensor& weight, const c10::optional<at::Tensor>& bias, std::vector<int64_t> stride,
                     std::vector<int64_t> padding, int64_t groups, int64_t block) {
  TORCH_CHECK(x.device().is_cpu() && x.scalar_type() == at::kFloat && weight.scalar_type() == at::kFloat && weight.dim() == 4,
              "dnnl_conv_train: x and a 4-D weight must be float32 CPU tensors");
  TORCH_CHECK(x.dim() == 5 ? x.size(4) == block : x.dim() == 4, "dnnl_conv_train: x must be blocked by ", block, " [N, C/b, H, W, b] or plain nchw, got ", x.sizes());
  TORCH_CHECK(stride.size() == 2 && padding.size() == 2, "dnnl_conv_train: stride and padding must have 2 values");
  try {
    // no bias: an empty tensor (an undefined one cannot pass through Function::apply's device checks)
    const at::Tensor b = bias.has_value() && bias->defined() ? *bias : at::empty({0}, weight.options());
    return ConvTrainFunction::apply(x, weight, b, stride, padding, groups, block);
  } catch (const dnnl::error& e) {
    TORCH_CHECK(false, "dnnl_conv_train: oneDNN: ", e.what());
  }
}

// The kernel oneDNN runs forward for this shape (ONEDNN_VERBOSE's name; "ref..." is its slow reference).
std::string convTrainImplementation(std::vector<int64_t> input, std::vector<int64_t> weight, std::vector<int64_t> stride,
                                    std::vector<int64_t> padding, int64_t groups, int64_t block, bool planar, bool bias) {
  try {
    auto p = primitivesFor(Geometry{input, weight, stride, padding, groups, block, planar, bias});
    return std::string(p->fwd.impl_info_str()) + " " + p->bwdData.impl_info_str() + " " + p->bwdWeights.impl_info_str();
  } catch (const dnnl::error& e) {
    TORCH_CHECK(false, "dnnl_conv_train_implementation: oneDNN: ", e.what());
  }
}

}  // namespace
}  // namespace yolo_native

TORCH_LIBRARY_FRAGMENT(yolo, m) {
  m.def("dnnl_conv_train(Tensor x, Tensor weight, Tensor? bias, int[] stride, int[] padding, int groups, int block) -> Tensor",
        yolo_native::convTrain);
  m.def("dnnl_conv_train_implementation(int[] input, int[] weight, int[] stride, int[] padding, int groups, int block, bool planar, bool bias) -> str",
        yolo_native::convTrainImplementation);
}
