// Greedy non-maximum suppression as a TorchScript op (yolo::nms_greedy),
// the loop torchvision's nms_kernel.cpp runs, with optional classes that
// never suppress each other: the same algorithm and float32 arithmetic as
// src/boxes/nms_core.ts greedyNms (which stays, for the browser and the
// onnxruntime path). Why native: a flood of candidates (every box of an
// untrained model passes a 0.25 threshold: yolov3 at 416 gives 10647 in
// 80 classes) took 13 ms per image in the JavaScript loop.
#include <torch/library.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

namespace yolo_native {
namespace {

// The largest float32 <= t: for a float v, double(v) > t exactly when v > it
// (torchvision compares the float IoU with the double threshold).
float floatBelow(double t) {
  float f = static_cast<float>(t);
  return double(f) > t ? std::nextafter(f, -INFINITY) : f;
}

// Keeps, in visiting order, the boxes (rows of xyxy, already best first) of
// `members` not suppressed by an earlier kept one; at most `limit`.
// The inner loop has no branch, so that it vectorises: a disjoint pair
// gets w or h 0, so IoU 0 (or 0/0 for two empty boxes), never above a
// threshold >= 0, as the skip in nms_core.ts. fp-contract off: each
// product and sum rounded to float32 on its own, as torchvision's kernel
// and nms_core.ts's Math.fround steps.
__attribute__((optimize("O3", "fp-contract=off")))
void greedy(const float* b, const std::vector<int64_t>& members, double threshold, int64_t limit, std::vector<int64_t>& kept) {
  const size_t n = members.size();
  std::vector<float> x1(n), y1(n), x2(n), y2(n), area(n);
  for (size_t p = 0; p < n; p++) {
    const float* r = b + 4 * members[p];
    x1[p] = r[0], y1[p] = r[1], x2[p] = r[2], y2[p] = r[3];
    area[p] = (x2[p] - x1[p]) * (y2[p] - y1[p]);
  }
  const float thr = floatBelow(threshold);
  std::vector<int32_t> suppressed(n, 0);
  int32_t* sup = suppressed.data();
  const float *X1 = x1.data(), *Y1 = y1.data(), *X2 = x2.data(), *Y2 = y2.data(), *A = area.data();
  int64_t count = 0;
  for (size_t p = 0; p < n && count < limit; p++) {
    if (sup[p]) continue;
    kept.push_back(members[p]);
    count++;
    const float px1 = X1[p], py1 = Y1[p], px2 = X2[p], py2 = Y2[p], pa = A[p];
    for (size_t q = p + 1; q < n; q++) {
      const float w = std::max(0.f, std::min(px2, X2[q]) - std::max(px1, X1[q]));
      const float h = std::max(0.f, std::min(py2, Y2[q]) - std::max(py1, Y1[q]));
      const float inter = w * h;
      const float uni = (pa + A[q]) - inter;
      sup[q] |= (inter / uni > thr) ? 1 : 0;
    }
  }
}

// boxes [n, 4] xyxy float32 in visiting order (best first); classes [n]
// integer or None (one class); returns the kept row indices (int64) in
// visiting order, at most `limit` (a negative limit: no limit).
at::Tensor nmsGreedy(const at::Tensor& boxes, double threshold, const c10::optional<at::Tensor>& classes, int64_t limit) {
  TORCH_CHECK(boxes.dim() == 2 && boxes.size(1) == 4, "nms_greedy: boxes must be [n, 4], got ", boxes.sizes());
  TORCH_CHECK(boxes.scalar_type() == at::kFloat && boxes.device().is_cpu(), "nms_greedy: boxes must be float32 on the CPU");
  TORCH_CHECK(threshold >= 0, "nms_greedy: the IoU threshold must be >= 0, got ", threshold);
  const int64_t n = boxes.size(0);
  const at::Tensor b = boxes.contiguous();
  if (limit < 0) limit = n;
  std::vector<int64_t> kept;
  if (!classes.has_value() || !classes->defined()) {
    std::vector<int64_t> all(n);
    for (int64_t i = 0; i < n; i++) all[i] = i;
    greedy(b.data_ptr<float>(), all, threshold, limit, kept);
  } else {
    TORCH_CHECK(classes->dim() == 1 && classes->size(0) == n, "nms_greedy: classes must be [", n, "], got ", classes->sizes());
    const at::Tensor c = classes->to(at::kLong).contiguous();
    const int64_t* cls = c.data_ptr<int64_t>();
    // each class alone, in visiting order (the same result as one pass that skips other classes, in sum(n_c^2))
    std::unordered_map<int64_t, std::vector<int64_t>> byClass;
    std::vector<int64_t> order;  // classes in order of first appearance
    for (int64_t i = 0; i < n; i++) {
      auto [it, fresh] = byClass.try_emplace(cls[i]);
      if (fresh) order.push_back(cls[i]);
      it->second.push_back(i);
    }
    for (int64_t k : order) greedy(b.data_ptr<float>(), byClass[k], threshold, limit, kept);
    std::sort(kept.begin(), kept.end());  // rows are in visiting order: back to it
    if (int64_t(kept.size()) > limit) kept.resize(limit);
  }
  at::Tensor out = at::empty({int64_t(kept.size())}, at::kLong);
  std::copy(kept.begin(), kept.end(), out.data_ptr<int64_t>());
  return out;
}

}  // namespace
}  // namespace yolo_native

TORCH_LIBRARY_FRAGMENT(yolo, m) {
  m.def("nms_greedy(Tensor boxes, float iou_threshold, Tensor? classes, int limit) -> Tensor", yolo_native::nmsGreedy);
}
