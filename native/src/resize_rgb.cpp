// darknet's bilinear resize_image from decoded RGB bytes into a float
// network input, as a TorchScript op (yolo::resize_rgb_into): the same
// arithmetic, bit for bit, as src/detect/resize_rgb.ts resizeRgbInto (which
// stays, for the browser and the onnxruntime path), written channels-last
// (HWC), the layout the libtorch forward runs on, with `background` (a
// letterbox's grey) around it when given. Why native: the
// JavaScript loops took 3.5-4.6 ms per image letterboxed to 416 (a
// 768x576 photo), as long as a third of the depthwise detector's forward.
// Every step is the JavaScript's: products and sums in double, each
// Math.fround a cast to float; fp-contract off, so no multiply-add fuses
// two roundings into one.
#include <torch/library.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <array>
#include <vector>

namespace yolo_native {
namespace {

// float32(v / 255), as toCHWFloat stores a byte
struct Unit {
  std::array<float, 256> value;
  Unit() {
    for (int v = 0; v < 256; v++) value[v] = static_cast<float>(v / 255.0);
  }
};

// darknet's sampling of n source pixels for m outputs (corners aligned): output c reads source i and
// i + 1 with weights 1 - d, d
struct Sampling {
  float scale;
  explicit Sampling(int64_t n, int64_t m) : scale(m > 1 ? static_cast<float>(double(n - 1) / double(m - 1)) : 0.f) {}
  __attribute__((optimize("fp-contract=off")))
  void at(int64_t c, int64_t& i, float& d) const {
    const float sc = static_cast<float>(double(c) * double(scale));
    i = static_cast<int64_t>(sc);
    d = static_cast<float>(double(sc) - double(i));
  }
};

// Per output column: the byte offsets of its two source pixels and their weights (1 - dx, dx)
struct Columns {
  std::vector<int64_t> a, b;
  std::vector<double> wa, wb;
};

__attribute__((optimize("fp-contract=off")))
Columns columnWeights(int64_t w, int64_t newW) {
  Columns cols{std::vector<int64_t>(newW), std::vector<int64_t>(newW), std::vector<double>(newW), std::vector<double>(newW)};
  const Sampling sampling(w, newW);
  for (int64_t c = 0; c < newW; c++) {
    if (c == newW - 1 || w == 1) {
      cols.a[c] = cols.b[c] = (w - 1) * 3;  // darknet copies the last column
      cols.wa[c] = 1;
      cols.wb[c] = 0;
      continue;
    }
    int64_t ix;
    float dx;
    sampling.at(c, ix, dx);
    cols.a[c] = ix * 3;
    cols.b[c] = (ix + 1) * 3;
    cols.wa[c] = 1.0 - double(dx);
    cols.wb[c] = dx;
  }
  return cols;
}

// One source row resized along x: interleaved [newW][3]
__attribute__((optimize("O3", "fp-contract=off")))
void resizeRow(const uint8_t* row, const Columns& cols, const Unit& unit, float* part) {
  const int64_t newW = static_cast<int64_t>(cols.a.size());
  for (int64_t c = 0; c < newW; c++) {
    const uint8_t* pa = row + cols.a[c];
    const uint8_t* pb = row + cols.b[c];
    for (int k = 0; k < 3; k++) {
      const float ta = static_cast<float>(cols.wa[c] * double(unit.value[pa[k]]));
      const float tb = static_cast<float>(cols.wb[c] * double(unit.value[pb[k]]));
      // kb 0 (the last column, or dx 0): ta + 0 is ta, the byte's value as the JavaScript copies it
      part[c * 3 + k] = static_cast<float>(double(ta) + double(tb));
    }
  }
}

// One output row from its two resized source rows (p1 null: darknet's last row reads one)
__attribute__((optimize("O3", "fp-contract=off")))
void blendRow(const float* p0, const float* p1, float dy, int64_t n, float* out) {
  const double keep = 1.0 - double(dy);
  if (p1 == nullptr) {
    for (int64_t i = 0; i < n; i++) out[i] = static_cast<float>(keep * double(p0[i]));
    return;
  }
  for (int64_t i = 0; i < n; i++) {
    const float t0 = static_cast<float>(keep * double(p0[i]));
    const float t1 = static_cast<float>(double(dy) * double(p1[i]));
    out[i] = static_cast<float>(double(t0) + double(t1));
  }
}

// The resized rows of the source, two kept at a time (each output row reads rows iy and iy + 1, iy never decreasing)
class RowCache {
 public:
  RowCache(const uint8_t* src, int64_t w, const Columns& cols, const Unit& unit, int64_t newW)
      : src_(src), w_(w), cols_(cols), unit_(unit), rows_{std::vector<float>(newW * 3), std::vector<float>(newW * 3)} {}

  const float* get(int64_t y) {
    for (int s = 0; s < 2; s++) if (have_[s] == y) return rows_[s].data();
    const int s = have_[0] < have_[1] ? 0 : 1;  // the smaller row: rows are asked for in increasing order
    resizeRow(src_ + y * w_ * 3, cols_, unit_, rows_[s].data());
    have_[s] = y;
    return rows_[s].data();
  }

 private:
  const uint8_t* src_;
  int64_t w_;
  const Columns& cols_;
  const Unit& unit_;
  std::array<std::vector<float>, 2> rows_;
  std::array<int64_t, 2> have_{-1, -1};
};

// `background` outside the image's rectangle of out (a letterbox's grey), in one pass on this thread:
// aten's fill_ of the two bands, a detect call's first parallel operations, took ~0.4 ms each there
// (10 us back to back); written here the call took ~0.3 ms less (depthwise cfg, 20 ms between calls)
void fillAround(float* out, int64_t outW, int64_t outH, int64_t left, int64_t top, int64_t newW, int64_t newH, float background) {
  for (int64_t r = 0; r < outH; r++) {
    float* row = out + r * outW * 3;
    if (r < top || r >= top + newH) {
      std::fill(row, row + outW * 3, background);
      continue;
    }
    std::fill(row, row + left * 3, background);
    std::fill(row + (left + newW) * 3, row + outW * 3, background);
  }
}

__attribute__((optimize("fp-contract=off")))
at::Tensor resizeRgbInto(const at::Tensor& src, int64_t newW, int64_t newH, const at::Tensor& out, int64_t left, int64_t top,
                         c10::optional<double> background) {
  TORCH_CHECK(src.device().is_cpu() && src.scalar_type() == at::kByte && src.dim() == 3 && src.size(2) == 3 && src.is_contiguous(),
              "resize_rgb_into: src must be a contiguous uint8 CPU tensor [height, width, 3], got ", src.sizes(), " ", src.scalar_type());
  TORCH_CHECK(out.device().is_cpu() && out.scalar_type() == at::kFloat && out.dim() == 3 && out.size(2) == 3 && out.is_contiguous(),
              "resize_rgb_into: out must be a contiguous float32 CPU tensor [height, width, 3], got ", out.sizes(), " ", out.scalar_type());
  const int64_t h = src.size(0), w = src.size(1);
  TORCH_CHECK(h > 0 && w > 0, "resize_rgb_into: the source image is empty (", w, "x", h, ")");
  TORCH_CHECK(newW > 0 && newH > 0 && left >= 0 && top >= 0 && left + newW <= out.size(1) && top + newH <= out.size(0),
              "resize_rgb_into: a ", newW, "x", newH, " image at (", left, ", ", top, ") does not fit the ", out.size(1), "x",
              out.size(0), " output");
  static const Unit unit;
  const Columns cols = columnWeights(w, newW);
  const Sampling sampling(h, newH);
  float* base = out.data_ptr<float>();
  const int64_t outW = out.size(1);
  if (background.has_value()) fillAround(base, outW, out.size(0), left, top, newW, newH, static_cast<float>(*background));
  // Output rows split among the threads, each with its own cache of resized source rows: every
  // output row is computed as on one thread (the same values), in about half the time on 2 cores
  // (dog.jpg letterboxed to 416: 1.3 -> 0.7 ms)
  at::parallel_for(0, newH, 32, [&](int64_t begin, int64_t end) {
    RowCache rows(src.data_ptr<uint8_t>(), w, cols, unit, newW);
    for (int64_t r = begin; r < end; r++) {
      int64_t iy;
      float dy;
      sampling.at(r, iy, dy);
      const bool last = r == newH - 1 || h == 1;
      // fetching iy + 1 evicts the smaller of the cached rows other than iy, so p0 stays valid
      const float* p0 = rows.get(iy);
      const float* p1 = last ? nullptr : rows.get(iy + 1);
      blendRow(p0, p1, dy, newW * 3, base + ((r + top) * outW + left) * 3);
    }
  });
  return out;
}

}  // namespace
}  // namespace yolo_native

TORCH_LIBRARY_FRAGMENT(yolo, m) {
  m.def("resize_rgb_into(Tensor src, int new_width, int new_height, Tensor(a!) out, int left, int top, float? background=None) -> Tensor(a!)",
        yolo_native::resizeRgbInto);
}
