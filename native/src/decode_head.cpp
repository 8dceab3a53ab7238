// A YOLO head's decode as a TorchScript op (yolo::decode_head_into): a raw
// head [B, na, h, w, k] to boxes in input pixels, written into `out`
// [B, na*h*w, k] (a slice of the [B, N, k] all heads fill), as
// src/yolo/decode.ts decodeHead computes them:
//   s = sigmoid(t) of every column,
//   cx = (s_x * scaleXY - (scaleXY - 1)/2 + column) * strideX (cy alike),
//   w = exp(t_w) * anchor_w (h alike),
// each step rounded to float32 as the aten ops round it (fp-contract off).
// Why native: decodeHead's dozen aten calls on 2-wide slices cost 15-90 us
// each whatever their size, and a cat copies every head again: ~1.3 ms of
// the depthwise bench cfg's 20 ms detect call at batch 1. decodeHead stays,
// for autograd, other dtypes and devices, and as this op's reference.
// The sigmoids are aten's (so x, y, objectness and classes are decodeHead's
// bit for bit); the exp of w and h glibc's, within an ulp of aten's
// vectorised one.
#include <torch/library.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <vector>

namespace yolo_native {
namespace {

__attribute__((optimize("fp-contract=off")))
void decodeRows(const float* raw, float* out, int64_t imageStride, int64_t rowStride, int64_t begin, int64_t end, int64_t na, int64_t h,
                int64_t w, int64_t k, const std::vector<float>& anchors, float strideX, float strideY, double scaleXY) {
  // as aten's mul_(s).sub_((s - 1) / 2) with double scalars: each cast to float32
  const float scale = static_cast<float>(scaleXY), shift = static_cast<float>((scaleXY - 1) / 2);
  for (int64_t r = begin; r < end; r++) {
    // r runs over (b, a, y, x): image r / (na*h*w), its row r mod na*h*w in the output, as in the raw
    const int64_t x = r % w, y = (r / w) % h, a = (r / (w * h)) % na;
    const float* t = raw + r * k;
    float* o = out + (r / (na * h * w)) * imageStride + (r % (na * h * w)) * rowStride;
    float sx = o[0], sy = o[1];  // aten's sigmoid, already in place
    if (scaleXY != 1) sx = sx * scale - shift, sy = sy * scale - shift;
    o[0] = (sx + static_cast<float>(x)) * strideX;
    o[1] = (sy + static_cast<float>(y)) * strideY;
    o[2] = std::exp(t[2]) * anchors[2 * a];
    o[3] = std::exp(t[3]) * anchors[2 * a + 1];
  }
}

// raw [B, na, h, w, k] float32 (k >= 5); out [B, na*h*w, k] float32 with contiguous rows (a slice along
// dim 1 of a larger one is fine); anchors [na * 2] in input pixels (w, h pairs); returns out.
at::Tensor decodeHeadInto(const at::Tensor& raw, at::Tensor out, at::ArrayRef<double> anchors, double strideX,
                          double strideY, double scaleXY) {
  TORCH_CHECK(raw.dim() == 5 && raw.size(4) >= 5, "decode_head_into: raw must be [B, na, h, w, k >= 5], got ", raw.sizes());
  TORCH_CHECK(raw.scalar_type() == at::kFloat && raw.device().is_cpu(), "decode_head_into: raw must be float32 on the CPU");
  const int64_t b = raw.size(0), na = raw.size(1), h = raw.size(2), w = raw.size(3), k = raw.size(4);
  TORCH_CHECK(out.scalar_type() == at::kFloat && out.device().is_cpu(), "decode_head_into: out must be float32 on the CPU");
  TORCH_CHECK(out.dim() == 3 && out.size(0) == b && out.size(1) == na * h * w && out.size(2) == k,
              "decode_head_into: out must be [", b, ", ", na * h * w, ", ", k, "], got ", out.sizes());
  TORCH_CHECK(out.stride(2) == 1 && out.stride(1) >= k, "decode_head_into: out's rows must be contiguous");
  TORCH_CHECK(int64_t(anchors.size()) == 2 * na, "decode_head_into: expected ", 2 * na, " anchor values (w, h of ", na,
              " anchors), got ", anchors.size());
  const at::Tensor t = raw.contiguous();
  // the sigmoid of every column by aten (vectorised, on all threads), straight into out's rows; then the
  // box columns rewritten row by row
  at::Tensor view = out.view({b, na, h, w, k});
  at::sigmoid_out(view, t);
  std::vector<float> a(anchors.begin(), anchors.end());
  const float* src = t.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  const int64_t imageStride = out.stride(0), rowStride = out.stride(1);
  const float sx = static_cast<float>(strideX), sy = static_cast<float>(strideY);
  at::parallel_for(0, b * na * h * w, 2048, [&](int64_t begin, int64_t end) {
    decodeRows(src, dst, imageStride, rowStride, begin, end, na, h, w, k, a, sx, sy, scaleXY);
  });
  return out;
}

}  // namespace
}  // namespace yolo_native

TORCH_LIBRARY_FRAGMENT(yolo, m) {
  m.def("decode_head_into(Tensor raw, Tensor(a!) out, float[] anchors, float stride_x, float stride_y, float scale_xy) -> Tensor(a!)",
        yolo_native::decodeHeadInto);
}
