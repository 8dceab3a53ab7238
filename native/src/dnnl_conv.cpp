// A generic inference convolution run by oneDNN directly, with its
// activation fused as a post-op: yolo::dnnl_conv_prepack builds the
// primitive once for one input shape (weights reordered once into the
// layout oneDNN picks for it), yolo::dnnl_conv_run applies it to a
// channels-last float32 tensor and returns a new channels-last tensor;
// packed with `accumulate`, yolo::dnnl_conv_run_into adds the result into
// a given tensor in the same pass (a residual shortcut's add).
// Why not libtorch's own oneDNN path: libtorch 1.13 fuses only relu into
// its prepacked convolution (mkldnn_prepacked::conv2d_prepack refuses
// leaky_relu), reorders the weights of 1x1 and grouped convolutions at
// every call, and runs a separate pass over the output for the
// activation. This is the same oneDNN (Debian's libtorch links
// libdnnl.so.2 itself); only the headers come from libdnnl-dev.
// Registered as TorchScript ops and a custom class, so JavaScript reaches
// them through the generic operator call (torch.op / torch.opObject).
// Layouts: channels-last (nhwc) [N, C, H, W], or oneDNN's blocked nChw8c /
// nChw16c held as a contiguous 5-D tensor [N, ceil(C/b), H, W, b] whose
// channels past C are zero (yolo::dnnl_block_size gives b for this CPU).
// Why blocked: on AVX2 oneDNN 2.6's nhwc 3x3 kernels are 10-50% slower than
// its blocked ones (a loop over yolov3's 75 shapes: 693-783 ms against
// 564-584), so a forward keeps activations blocked between convolutions.
// Built only where the oneDNN headers are (binding.gyp, YOLO_DNNL).
#include "dnnl_layout.h"

#include <oneapi/dnnl/dnnl.hpp>
#include <torch/custom_class.h>
#include <torch/library.h>

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace yolo_native {
namespace {

using dnnl::memory;

using dnnl_layout::blockedShape;
using dnnl_layout::blockedTag;
using dnnl_layout::cpuEngine;
using dnnl_layout::dimsOf;

// The channel block of oneDNN's fastest blocked layout on this CPU: 16 with
// AVX-512 (its avx512_core kernels), 8 with AVX2, else 0 (none worth it).
int64_t blockSize() {
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const auto has = [isa](dnnl::cpu_isa need) { return (isa & static_cast<unsigned>(need)) == static_cast<unsigned>(need); };
  return has(dnnl::cpu_isa::avx512_core) ? 16 : has(dnnl::cpu_isa::avx2) ? 8 : 0;
}

// The activation as a oneDNN post-op: only those computed exactly
// (leaky and relu are a multiply by a constant), so that the result is the
// same as the separate activation. With `accumulate`, a sum post-op after
// it: dst = activation(conv(x)) + dst (a residual add in the same pass).
dnnl::post_ops postOpsFor(const std::string& activation, double slope, bool accumulate) {
  dnnl::post_ops ops;
  if (activation == "leaky") ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, static_cast<float>(slope), 0.f);
  else if (activation == "relu") ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  if (accumulate) ops.append_sum(1.f);
  return ops;
}

// What oneDNN runs in the convolution's pass and what is left to separate
// passes after it. Why: oneDNN falls back to its reference kernel (about
// 100x slower) when a JIT kernel does not take the post-op chain: on AVX2
// (oneDNN 2.6) a k x k convolution takes an eltwise or a leading sum, not
// an eltwise followed by a sum, so a darknet [shortcut] after a 3x3 leaky
// convolution made yolov3 at 416 take 67 s instead of 0.4 s. So the
// primitive is built with the whole chain, then without the sum, then
// without either, and the first that a JIT kernel runs is kept.
struct Fusion {
  bool activation, sum;
};
// One layout choice tried: the source's (nhwc, nchw or blocked) and the destination's.
struct Layouts {
  memory::format_tag src, dst;
};
struct DnnlConv : torch::CustomClassHolder {
  std::vector<int64_t> inputSize, outputSize;
  int64_t inputBlock, outputBlock;  // 0: nhwc; else the channel block (outputBlock: what was chosen)
  bool planarSource = false;        // a plain input read as nchw (a first layer's few channels into a blocked output)
  bool accumulate;
  std::string activation;
  float slope;
  Fusion fused{};
  std::string implementation;  // oneDNN's name for the kernel it runs (ONEDNN_VERBOSE's)
  dnnl::convolution_forward primitive;
  memory weights, bias;
  memory::desc src, dst;
  // made once: run only points them at each call's tensors (a forward's 50-100 calls each made three)
  memory srcMem, dstMem;
  dnnl::stream stream{cpuEngine()};

  DnnlConv(const at::Tensor& weight, const c10::optional<at::Tensor>& biasIn, std::vector<int64_t> stride,
           std::vector<int64_t> padding, int64_t groups, std::vector<int64_t> input, const std::string& activationIn,
           double slopeIn, bool accumulateIn, int64_t inputBlockIn, int64_t outputBlockIn)
      : inputSize(std::move(input)), inputBlock(inputBlockIn), outputBlock(outputBlockIn), accumulate(accumulateIn),
        activation(activationIn), slope(static_cast<float>(slopeIn)) {
    TORCH_CHECK(activation == "linear" || activation == "leaky" || activation == "relu",
                "dnnl_conv_prepack: activation must be linear, leaky or relu, got '", activation, "'");
    TORCH_CHECK(weight.dim() == 4 && weight.device().is_cpu() && weight.scalar_type() == at::kFloat,
                "dnnl_conv_prepack: weight must be a 4-D float32 CPU tensor, got ", weight.sizes(), " ", weight.scalar_type());
    TORCH_CHECK(inputSize.size() == 4, "dnnl_conv_prepack: input_size must be [N, C, H, W]");
    TORCH_CHECK(stride.size() == 2 && padding.size() == 2, "dnnl_conv_prepack: stride and padding must have 2 values");
    const int64_t out = weight.size(0), perGroup = weight.size(1), kh = weight.size(2), kw = weight.size(3);
    TORCH_CHECK(groups >= 1 && out % groups == 0 && perGroup * groups == inputSize[1],
                "dnnl_conv_prepack: weight ", weight.sizes(), " with ", groups, " groups does not fit ", inputSize[1], " input channels");
    const int64_t oh = (inputSize[2] + 2 * padding[0] - kh) / stride[0] + 1;
    const int64_t ow = (inputSize[3] + 2 * padding[1] - kw) / stride[1] + 1;
    TORCH_CHECK(oh > 0 && ow > 0, "dnnl_conv_prepack: the kernel does not fit the input");
    outputSize = {inputSize[0], out, oh, ow};

    // the weight as it lies in memory (any strides: oihw, channels-last), grouped as goihw when groups > 1
    memory::dims wDims = dimsOf(weight.sizes()), wStrides = dimsOf(weight.strides());
    if (groups > 1) {
      wDims = {groups, out / groups, perGroup, kh, kw};
      wStrides = {weight.stride(0) * (out / groups), weight.stride(0), weight.stride(1), weight.stride(2), weight.stride(3)};
    }
    const memory::desc given(wDims, memory::data_type::f32, wStrides);
    const memory::desc anyLayout(wDims, memory::data_type::f32, memory::format_tag::any);
    const memory::desc biasDesc({out}, memory::data_type::f32, memory::format_tag::x);
    const auto describe = [&](const Layouts& l) {
      return dnnl::convolution_forward::desc(
          dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
          memory::desc(dimsOf(inputSize), memory::data_type::f32, l.src), anyLayout, biasDesc,
          memory::desc(dimsOf(outputSize), memory::data_type::f32, l.dst), {stride[0], stride[1]}, {padding[0], padding[1]},
          {padding[0], padding[1]});
    };
    const dnnl::convolution_forward::primitive_desc pd = chooseLayouts(describe);
    primitive = dnnl::convolution_forward(pd);
    src = pd.src_desc();
    dst = pd.dst_desc();
    srcMem = memory(src, cpuEngine(), DNNL_MEMORY_NONE);
    dstMem = memory(dst, cpuEngine(), DNNL_MEMORY_NONE);

    dnnl::stream setup(cpuEngine());
    weights = memory(pd.weights_desc(), cpuEngine());
    memory givenWeights(given, cpuEngine(), weight.data_ptr());
    dnnl::reorder(givenWeights, weights).execute(setup, givenWeights, weights);
    bias = memory(biasDesc, cpuEngine());
    float* b = static_cast<float*>(bias.get_data_handle());
    if (biasIn.has_value() && biasIn->defined()) {
      TORCH_CHECK(biasIn->numel() == out, "dnnl_conv_prepack: bias must have ", out, " values");
      const at::Tensor given = biasIn->to(at::kFloat).contiguous();
      std::copy(given.data_ptr<float>(), given.data_ptr<float>() + out, b);
    } else {
      std::fill(b, b + out, 0.f);
    }
    setup.wait();
  }

  // The layouts asked for, else the nearest a JIT kernel runs: a plain
  // input into a blocked output is read as nhwc, else as nchw (oneDNN's
  // AVX2 kernels take a first layer's 3 channels into nChw8c only from
  // nchw), else writes nhwc; a blocked input into nhwc (a yolo head's 1x1
  // on AVX2 has only the reference kernel for it) writes blocked instead;
  // outputBlock then says what it writes.
  template <typename Describe>
  dnnl::convolution_forward::primitive_desc chooseLayouts(const Describe& describe) {
    const memory::format_tag nhwc = memory::format_tag::nhwc;
    const memory::format_tag in = inputBlock ? blockedTag(inputBlock) : nhwc;
    const memory::format_tag out = outputBlock ? blockedTag(outputBlock) : nhwc;
    std::vector<Layouts> tries{{in, out}};
    if (!inputBlock && outputBlock) tries.push_back({memory::format_tag::nchw, out});
    if (outputBlock) tries.push_back({in, nhwc});
    if (inputBlock && !outputBlock) tries.push_back({in, in});
    for (size_t i = 0;; i++) {
      dnnl::convolution_forward::primitive_desc pd = choose(describe(tries[i]));
      if (implementation.rfind("ref", 0) != 0 || i + 1 == tries.size()) {
        outputBlock = tries[i].dst == nhwc ? 0 : tries[i].dst == in ? inputBlock : outputBlock;
        planarSource = tries[i].src == memory::format_tag::nchw;
        return pd;
      }
    }
  }

  // The first of: the whole chain fused, the activation only, nothing, that
  // a JIT kernel runs (Fusion); the whole chain where all are the reference.
  dnnl::convolution_forward::primitive_desc choose(const dnnl::convolution_forward::desc& desc) {
    const bool act = activation != "linear";
    const Fusion tries[] = {{act, accumulate}, {act, false}, {false, false}};
    dnnl::convolution_forward::primitive_desc whole;
    for (size_t i = 0; i < 3; i++) {
      const Fusion& f = tries[i];
      // with nothing to fuse (or no sum) the later tries repeat an earlier one
      if (i > 0 && f.activation == tries[i - 1].activation && f.sum == tries[i - 1].sum) continue;
      dnnl::primitive_attr attr;
      attr.set_post_ops(postOpsFor(f.activation ? activation : "linear", slope, f.sum));
      dnnl::convolution_forward::primitive_desc pd(desc, attr, cpuEngine());
      if (i == 0) whole = pd;
      const std::string impl = pd.impl_info_str();
      if (impl.rfind("ref", 0) != 0) {
        fused = f;
        implementation = impl;
        return pd;
      }
    }
    fused = tries[0];
    implementation = whole.impl_info_str();
    return whole;
  }

  // What the primitive left undone, on its output y: the activation, then the add into `into`.
  void finish(at::Tensor& y, const c10::optional<at::Tensor>& into) const {
    if (activation != "linear" && !fused.activation) {
      if (activation == "leaky") at::leaky_relu_(y, slope);
      else at::relu_(y);
    }
    if (into.has_value() && !fused.sum) into->add_(y);
  }

  // The shape a tensor in `block`'s layout has for logical sizes nchw: 5-D blocked or 4-D.
  static std::vector<int64_t> heldShape(const std::vector<int64_t>& nchw, int64_t block) {
    return block ? blockedShape(nchw, block) : nchw;
  }

  void checkInput(const at::Tensor& x) const {
    TORCH_CHECK(x.device().is_cpu() && x.scalar_type() == at::kFloat,
                "dnnl_conv_run: input must be a float32 CPU tensor, got ", x.scalar_type(), " on ", x.device());
    const std::vector<int64_t> want = heldShape(inputSize, inputBlock);
    TORCH_CHECK(x.sizes() == c10::IntArrayRef(want), "dnnl_conv_run: input ", x.sizes(), " is not the shape the convolution was packed for, ",
                c10::IntArrayRef(want), inputBlock ? " (channels blocked by " + std::to_string(inputBlock) + ")" : "");
  }

  void checkAddend(const at::Tensor& t) const {
    const std::vector<int64_t> want = heldShape(outputSize, outputBlock);
    const bool dense = outputBlock ? t.is_contiguous() : t.is_contiguous(at::MemoryFormat::ChannelsLast) && t.is_non_overlapping_and_dense();
    TORCH_CHECK(t.device().is_cpu() && t.scalar_type() == at::kFloat && t.sizes() == c10::IntArrayRef(want) && dense,
                "dnnl_conv_run_into: the addend must be a dense ", outputBlock ? "blocked" : "channels-last", " float32 CPU tensor ",
                c10::IntArrayRef(want), ", got ", t.sizes(), " ", t.scalar_type());
  }

  // into: the output tensor (accumulate: it holds the addend and receives the sum), else a new one
  at::Tensor run(const at::Tensor& x, const c10::optional<at::Tensor>& into) {
    checkInput(x);
    TORCH_CHECK(into.has_value() == accumulate, accumulate ? "dnnl_conv_run_into: this convolution was packed to add into a tensor"
                                                           : "dnnl_conv_run: this convolution was packed to add into a tensor: use dnnl_conv_run_into");
    if (into.has_value()) checkAddend(*into);
    const at::Tensor in = inputBlock ? x.contiguous() : x.contiguous(planarSource ? at::MemoryFormat::Contiguous : at::MemoryFormat::ChannelsLast);
    at::Tensor out;
    if (into.has_value() && fused.sum) {
      out = *into;
    } else if (outputBlock) {
      out = at::empty(blockedShape(outputSize, outputBlock), x.options());
    } else {
      out = at::empty(outputSize, x.options().memory_format(at::MemoryFormat::ChannelsLast));
    }
    srcMem.set_data_handle(in.data_ptr());
    dstMem.set_data_handle(out.data_ptr());
    primitive.execute(stream, {{DNNL_ARG_SRC, srcMem}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_BIAS, bias}, {DNNL_ARG_DST, dstMem}});
    stream.wait();
    if (outputBlock) dnnl_layout::zeroPastChannels(out, outputSize[1]);
    finish(out, into);
    return into.has_value() ? *into : out;
  }
};

c10::intrusive_ptr<DnnlConv> prepack(const at::Tensor& weight, const c10::optional<at::Tensor>& bias, std::vector<int64_t> stride,
                                     std::vector<int64_t> padding, int64_t groups, std::vector<int64_t> inputSize,
                                     std::string activation, double slope, bool accumulate, int64_t inputBlock, int64_t outputBlock) {
  try {
    return c10::make_intrusive<DnnlConv>(weight, bias, std::move(stride), std::move(padding), groups, std::move(inputSize),
                                         activation, slope, accumulate, inputBlock, outputBlock);
  } catch (const dnnl::error& e) {
    TORCH_CHECK(false, "dnnl_conv_prepack: oneDNN: ", e.what());
  }
}

at::Tensor run(const at::Tensor& x, const c10::intrusive_ptr<DnnlConv>& conv) {
  try {
    return conv->run(x, c10::nullopt);
  } catch (const dnnl::error& e) {
    TORCH_CHECK(false, "dnnl_conv_run: oneDNN: ", e.what());
  }
}

// out = activation(conv(x)) + out, in place; returns out
at::Tensor runInto(const at::Tensor& x, const c10::intrusive_ptr<DnnlConv>& conv, const at::Tensor& out) {
  try {
    return conv->run(x, out);
  } catch (const dnnl::error& e) {
    TORCH_CHECK(false, "dnnl_conv_run_into: oneDNN: ", e.what());
  }
}

}  // namespace
}  // namespace yolo_native

TORCH_LIBRARY_FRAGMENT(yolo, m) {
  m.class_<yolo_native::DnnlConv>("DnnlConv");
  m.def("dnnl_conv_prepack(Tensor weight, Tensor? bias, int[] stride, int[] padding, int groups, int[] input_size, "
        "str activation, float slope, bool accumulate=False, int input_block=0, int output_block=0) -> __torch__.torch.classes.yolo.DnnlConv",
        yolo_native::prepack);
  m.def("dnnl_block_size() -> int", yolo_native::blockSize);
  m.def("dnnl_conv_output_block(__torch__.torch.classes.yolo.DnnlConv context) -> int",
        [](const c10::intrusive_ptr<yolo_native::DnnlConv>& conv) { return conv->outputBlock; });
  m.def("dnnl_conv_implementation(__torch__.torch.classes.yolo.DnnlConv context) -> str",
        [](const c10::intrusive_ptr<yolo_native::DnnlConv>& conv) { return conv->implementation; });
  m.def("dnnl_conv_run(Tensor x, __torch__.torch.classes.yolo.DnnlConv context) -> Tensor", yolo_native::run);
  m.def("dnnl_conv_run_into(Tensor x, __torch__.torch.classes.yolo.DnnlConv context, Tensor(a!) out) -> Tensor(a!)", yolo_native::runInto);
}
