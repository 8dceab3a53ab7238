// What the oneDNN convolutions (dnnl_conv.cpp for inference,
// dnnl_conv_train.cpp for training) share: the CPU engine, and oneDNN's
// blocked activation layout held as a contiguous 5-D tensor
// [N, ceil(C/b), H, W, b] whose channels past C are zero (src/nn/blocked.ts).
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <ATen/ATen.h>

#include <vector>

namespace yolo_native {
namespace dnnl_layout {

inline dnnl::engine& cpuEngine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

inline dnnl::memory::dims dimsOf(c10::IntArrayRef sizes) { return dnnl::memory::dims(sizes.begin(), sizes.end()); }

inline dnnl::memory::format_tag blockedTag(int64_t block) {
  TORCH_CHECK(block == 8 || block == 16, "dnnl_conv: a channel block must be 8 or 16, got ", block);
  return block == 8 ? dnnl::memory::format_tag::nChw8c : dnnl::memory::format_tag::nChw16c;
}

// The 5-D tensor shape [N, ceil(C/b), H, W, b] of a blocked [N, C, H, W].
inline std::vector<int64_t> blockedShape(const std::vector<int64_t>& nchw, int64_t block) {
  return {nchw[0], (nchw[1] + block - 1) / block, nchw[2], nchw[3], block};
}

// Zeroes the lanes past `channels` of a blocked tensor t: oneDNN leaves them as its kernel wrote
// them, and a later layer reads them as channels of weight 0 (garbage there could be NaN).
inline void zeroPastChannels(at::Tensor& t, int64_t channels) {
  const int64_t block = t.size(4), tail = channels % block;
  if (tail) t.select(1, t.size(1) - 1).narrow(3, tail, block - tail).zero_();
}

}  // namespace dnnl_layout
}  // namespace yolo_native
