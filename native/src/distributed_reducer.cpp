// Gradient averaging overlapped with backward: libtorch's own DDP reducer
// (c10d::Reducer, torch/csrc/distributed/c10d/reducer.cpp), the object
// torch.nn.parallel.DistributedDataParallel drives from Python, driven here
// without Python. Its constructor puts a post hook on every parameter's
// gradient accumulator; once prepare_for_backward has armed it, each hook
// copies its gradient into its bucket's flat tensor (scaled by 1/world while
// copying), and a bucket whose gradients are all in starts its allreduce on
// the process group at once, while autograd computes the layers before it.
// The last bucket queues finalize_backward on the autograd engine
// (queue_callback), which waits for every bucket's allreduce and copies the
// means back into the .grad tensors before backward returns. A backward that
// was not armed (accumulation micro-batches: DDP's no_sync) reduces nothing.
// Generic: it reduces a list of tensors' gradients, nothing of models.
#include "distributed.h"

#include <torch/csrc/distributed/c10d/reducer.hpp>

#include <algorithm>
#include <memory>
#include <type_traits>
#include <vector>

namespace yolo_native {
namespace {

// The reducer, with its bucket layout and timer read out (protected members).
class ExposedReducer : public c10d::Reducer {
 public:
  using c10d::Reducer::Reducer;

  std::vector<std::vector<size_t>> bucketIndices() const {
    std::vector<std::vector<size_t>> out;
    for (const auto& b : buckets_) out.push_back(b.variable_indices);
    return out;
  }

  int64_t bucketBytes(size_t i) const { return buckets_[i].gradients.numel() * buckets_[i].gradients.element_size(); }

  size_t bucketCount() const { return buckets_.size(); }

  // Nanoseconds of a reducer event of the last armed backward, or -1.
  int64_t timestamp(c10d::Timer::Event event) const {
    if (!timer_) return -1;
    auto t = timer_->getTimestamp(event);
    return t ? *t : -1;
  }
};

struct ReducerBox {
  std::unique_ptr<ExposedReducer> reducer;
  const GroupBox* group;  // for error messages only; the reducer holds its own reference to the process group
};

// The reducer takes a c10d::ProcessGroup. In libtorch 1.13 the group held
// (ProcessGroupGloo) is one; from 2.0 on Gloo and NCCL are Backends, which a
// ProcessGroup dispatches to by device type. A template, so the 2.x branch
// is compiled only where it is taken.
template <typename PG, typename Held>
c10::intrusive_ptr<PG> asProcessGroup(const c10::intrusive_ptr<Held>& held, const GroupBox* box) {
  if constexpr (std::is_base_of_v<PG, Held>) {
    return held;
  } else {
    auto pg = c10::make_intrusive<PG>(box->store, box->rank, box->world);
    const bool nccl = held->getBackendName() == "nccl";
    auto type = nccl ? PG::BackendType::NCCL : PG::BackendType::GLOO;
    pg->setBackend(nccl ? c10::DeviceType::CUDA : c10::DeviceType::CPU, type, held);
    pg->setDefaultBackend(type);
    return pg;
  }
}

// The reducer as DDP constructs it (find_unused_parameters and
// gradient_as_bucket_view false, no sparse gradients, no names). Its
// constructor changed in libtorch 2.x (2.11's: no per-bucket limits; the
// size limits as a list, and two flags, false as DDP's defaults); the
// branch is picked by what the header declares. Only 1.13's has run.
template <typename R, typename PG>
std::unique_ptr<R> makeReducer(const std::vector<at::Tensor>& params, const std::vector<std::vector<size_t>>& indices,
                               const std::vector<size_t>& limits, const c10::intrusive_ptr<PG>& pg, int64_t first, int64_t rest) {
  std::vector<bool> sparse(params.size(), false);
  std::unordered_map<size_t, std::string> names;
  using Names = std::unordered_map<size_t, std::string>;
  if constexpr (std::is_constructible_v<R, std::vector<at::Tensor>, std::vector<std::vector<size_t>>, std::vector<size_t>, c10::intrusive_ptr<PG>,
                                        std::vector<bool>, int64_t, bool, bool, Names, int64_t>) {
    return std::make_unique<R>(params, indices, limits, pg, sparse, rest, false, false, names, first);
  } else {
    return std::make_unique<R>(params, indices, pg, sparse, rest, false, false, names, first, false, false, std::vector<int64_t>{first, rest});
  }
}

constexpr napi_type_tag kReducerTag = {0x2f6b1d93c04e7a15ULL, 0xb83e5a0c9d17f264ULL};

ReducerBox* reducerOf(const Napi::Env& env, const Napi::Value& value) {
  if (!value.IsExternal() || !value.As<Napi::External<ReducerBox>>().CheckTypeTag(&kReducerTag))
    throwTypeError(env, "expected a gradient reducer");
  ReducerBox* box = value.As<Napi::External<ReducerBox>>().Data();
  if (!box->reducer) throwError(env, "gradient reducer was already destroyed");
  return box;
}

// Runs a reducer call; its errors (a failed allreduce, a reduction left
// unfinished) become a JavaScript error naming the rank.
template <typename Body>
void reducerCall(const Napi::Env& env, const ReducerBox* box, const char* what, Body body) {
  try {
    body();
  } catch (const c10::Error& e) {
    throwError(env, where(box->group, what) + " failed: " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throwError(env, where(box->group, what) + " failed: " + e.what());
  }
}

// reducerCreate(group, params, firstBucketBytes, bucketBytes): the buckets as
// DDP's constructor forms them (compute_bucket_assignment_by_size over the
// parameters in order, then reversed); the parameters must be leaves that
// require grad, all of them used by every armed backward (DDP's
// find_unused_parameters=False).
Napi::Value ReducerCreate(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  GroupBox* group = groupOf(env, info[0]);
  if (!info[1].IsArray()) throwTypeError(env, "reducerCreate: expected an array of parameters");
  auto array = info[1].As<Napi::Array>();
  std::vector<at::Tensor> params;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    const at::Tensor& p = unwrapTensor(env, array.Get(i), "reducerCreate");
    if (!p.requires_grad() || !p.is_leaf()) throwError(env, "reducerCreate: parameter " + std::to_string(i) + " is not a leaf that requires grad");
    params.push_back(p);
  }
  if (params.empty()) throwError(env, "reducerCreate: no parameters");
  int64_t first = toInt64(env, info[2], "first bucket bytes");
  int64_t rest = toInt64(env, info[3], "bucket bytes");
  auto box = std::make_unique<ReducerBox>();
  box->group = group;
  reducerCall(env, box.get(), "reducer construction", [&] {
    std::vector<size_t> limits{static_cast<size_t>(first), static_cast<size_t>(rest)};
    auto [indices, perBucketLimits] = c10d::compute_bucket_assignment_by_size(params, limits, std::vector<bool>(params.size(), false));
    std::reverse(indices.begin(), indices.end());
    std::reverse(perBucketLimits.begin(), perBucketLimits.end());
    auto pg = asProcessGroup<c10d::ProcessGroup>(group->group, group);
    box->reducer = makeReducer<ExposedReducer>(params, indices, perBucketLimits, pg, first, rest);
    box->reducer->set_ddp_runtime_logging_sample_rate(1);  // its timer records every iteration, not 1 in 100
  });
  auto external = Napi::External<ReducerBox>::New(env, box.release(), [](Napi::Env, ReducerBox* b) { delete b; });
  external.TypeTag(&kReducerTag);
  return external;
}

// reducerPrepare(reducer): arms the next backward, as DDP's forward does when
// require_backward_grad_sync: the buckets rebuilt once in the order the first
// armed backward made the gradients ready (a broadcast of rank 0's order, so
// every rank calls this at the same point), then prepare_for_forward (the
// timer) and prepare_for_backward.
Napi::Value ReducerPrepare(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  ReducerBox* box = reducerOf(env, info[0]);
  bool rebuilt = false;
  reducerCall(env, box, "reducer prepare", [&] {
    rebuilt = box->reducer->rebuild_buckets();
    box->reducer->prepare_for_forward();
    box->reducer->prepare_for_backward({});
  });
  return Napi::Boolean::New(env, rebuilt);
}

// reducerInfo(reducer) -> {buckets: number[][], bytes, commStartNs, commEndNs, computeEndNs}:
// the bucket layout, its bytes, and the last armed backward's events (-1 unset).
Napi::Value ReducerInfo(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  ReducerBox* box = reducerOf(env, info[0]);
  const ExposedReducer& r = *box->reducer;
  auto indices = r.bucketIndices();
  auto buckets = Napi::Array::New(env, indices.size());
  double bytes = 0;
  for (size_t b = 0; b < indices.size(); ++b) {
    auto one = Napi::Array::New(env, indices[b].size());
    for (size_t k = 0; k < indices[b].size(); ++k) one.Set(static_cast<uint32_t>(k), Napi::Number::New(env, static_cast<double>(indices[b][k])));
    buckets.Set(static_cast<uint32_t>(b), one);
    bytes += static_cast<double>(r.bucketBytes(b));
  }
  auto result = Napi::Object::New(env);
  result.Set("buckets", buckets);
  result.Set("bytes", Napi::Number::New(env, bytes));
  using Event = c10d::Timer::Event;
  result.Set("computeStartNs", Napi::Number::New(env, static_cast<double>(r.timestamp(Event::kBackwardComputeStart))));
  result.Set("computeEndNs", Napi::Number::New(env, static_cast<double>(r.timestamp(Event::kBackwardComputeEnd))));
  result.Set("commStartNs", Napi::Number::New(env, static_cast<double>(r.timestamp(Event::kBackwardCommStart))));
  result.Set("commEndNs", Napi::Number::New(env, static_cast<double>(r.timestamp(Event::kBackwardCommEnd))));
  return result;
}

// reducerDestroy(reducer): takes its hooks off the gradient accumulators and
// drops its reference to the process group now (the finalizer is a backstop).
Napi::Value ReducerDestroy(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsExternal() || !info[0].As<Napi::External<ReducerBox>>().CheckTypeTag(&kReducerTag))
    throwTypeError(env, "expected a gradient reducer");
  ReducerBox* box = info[0].As<Napi::External<ReducerBox>>().Data();
  reducerCall(env, box, "reducer destroy", [&] { box->reducer.reset(); });
  return env.Undefined();
}

}  // namespace

void registerDistributedReducer(Napi::Env env, Napi::Object exports) {
  YOLO_EXPORT(exports, "reducerCreate", ReducerCreate);
  YOLO_EXPORT(exports, "reducerPrepare", ReducerPrepare);
  YOLO_EXPORT(exports, "reducerInfo", ReducerInfo);
  YOLO_EXPORT(exports, "reducerDestroy", ReducerDestroy);
}

}  // namespace yolo_native
