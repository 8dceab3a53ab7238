// NMS's candidates as a TorchScript op (yolo::nms_candidates): one image's
// decoded predictions [N, 5 + nc] (cx, cy, w, h, objectness, class
// probabilities) to the table [n, 6] (x1, y1, x2, y2, score, class) of the
// rows whose objectness and best objectness x class score are both above
// `conf`, best score first (equal scores in row order), at most
// `max_candidates` rows: what src/boxes/yolo_nms.ts candidates computes with
// aten (best class only, no class filter), the same float32 values: the
// product obj x cls and cx -/+ w/2 each rounded once, the threshold compared
// as float32 (aten casts the scalar to the tensor's type), the first class
// of equal best scores (aten's max), a NaN score never kept.
// Why native: those aten calls (a dozen, 20-90 us each) took ~1 ms of the
// depthwise bench cfg's 20 ms detect call at batch 1.
#include <torch/library.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace yolo_native {
namespace {

struct Candidate {
  float score;
  int64_t row;
  int64_t cls;
};

// The best score obj x p[j] of a row, NaN if any is, and its first class.
float bestOf(const float* p, int64_t nc, float obj, int64_t& cls) {
  float best = p[0] * obj;
  cls = 0;
  for (int64_t j = 1; j < nc && !std::isnan(best); j++) {
    const float v = p[j] * obj;
    if (v > best || std::isnan(v)) best = v, cls = j;
  }
  return best;
}

// bestOf for obj > 0, faster: float rounding is monotonic, so the best product is obj x max(p), the
// max taken in 16 lanes that vectorise (a NaN flagged apart); its class the first whose product equals it.
__attribute__((optimize("O3")))
float bestOfPositive(const float* p, int64_t nc, float obj, int64_t& cls) {
  constexpr int L = 16;
  float lane[L];
  int32_t nan[L];
  for (int l = 0; l < L; l++) lane[l] = -INFINITY, nan[l] = 0;
  int64_t j = 0;
  for (; j + L <= nc; j += L) {
    for (int l = 0; l < L; l++) {
      const float v = p[j + l];
      lane[l] = v > lane[l] ? v : lane[l];
      nan[l] |= v != v;
    }
  }
  float top = -INFINITY;
  bool anyNan = false;
  for (; j < nc; j++) top = p[j] > top ? p[j] : top, anyNan |= p[j] != p[j];
  for (int l = 0; l < L; l++) top = lane[l] > top ? lane[l] : top, anyNan |= nan[l] != 0;
  if (anyNan) return bestOf(p, nc, obj, cls);
  const float best = top * obj;
  for (cls = 0; p[cls] * obj != best; cls++) {}
  return best;
}

__attribute__((optimize("fp-contract=off")))
at::Tensor nmsCandidates(const at::Tensor& predictions, double conf, int64_t maxCandidates) {
  TORCH_CHECK(predictions.dim() == 2 && predictions.size(1) >= 6, "nms_candidates: predictions must be [N, 5 + nc] with nc >= 1, got ",
              predictions.sizes());
  TORCH_CHECK(predictions.scalar_type() == at::kFloat && predictions.device().is_cpu(), "nms_candidates: predictions must be float32 on the CPU");
  TORCH_CHECK(maxCandidates >= 0, "nms_candidates: max_candidates must be >= 0, got ", maxCandidates);
  const at::Tensor x = predictions.contiguous();
  const int64_t n = x.size(0), k = x.size(1);
  const float* p = x.data_ptr<float>();
  const float c = static_cast<float>(conf);
  std::vector<Candidate> kept;
  for (int64_t r = 0; r < n; r++) {
    const float* row = p + r * k;
    const float obj = row[4];
    if (!(obj > c)) continue;
    int64_t cls;
    const float best = obj > 0 ? bestOfPositive(row + 5, k - 5, obj, cls) : bestOf(row + 5, k - 5, obj, cls);
    if (best > c) kept.push_back({best, r, cls});
  }
  std::stable_sort(kept.begin(), kept.end(), [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  if (int64_t(kept.size()) > maxCandidates) kept.resize(maxCandidates);
  at::Tensor table = at::empty({int64_t(kept.size()), 6}, at::kFloat);
  float* t = table.data_ptr<float>();
  for (const Candidate& q : kept) {
    const float* row = p + q.row * k;
    const float hw = row[2] / 2, hh = row[3] / 2;
    t[0] = row[0] - hw, t[1] = row[1] - hh, t[2] = row[0] + hw, t[3] = row[1] + hh;
    t[4] = q.score, t[5] = static_cast<float>(q.cls);
    t += 6;
  }
  return table;
}

}  // namespace
}  // namespace yolo_native

TORCH_LIBRARY_FRAGMENT(yolo, m) {
  m.def("nms_candidates(Tensor predictions, float conf, int max_candidates) -> Tensor", yolo_native::nmsCandidates);
}
