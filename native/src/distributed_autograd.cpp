// Differentiable collectives: libtorch autograd Functions whose forward and
// backward are c10d collectives, as torch.distributed.nn.functional. Generic:
// SyncBatchNorm's cross-rank statistics (src/nn) are built from them in
// TypeScript. Backward runs inside the `backward` native call (libtorch runs
// a CPU graph on the calling thread), where no JavaScript may be thrown: a
// failed collective is a std::runtime_error naming the rank and the
// collective (waitCollective), which the engine rethrows out of backward
// and `guarded` turns into a JavaScript error.
#include "distributed.h"

#include <torch/csrc/autograd/custom_function.h>

#include <vector>

namespace yolo_native {
namespace {

// The group as an autograd node holds it: a copy of the handle's box, storable
// in the context's saved data as a capsule. The group stays alive until the
// graph that needs it is freed, even past destroyProcessGroup (whose
// connections then close with the last such graph).
struct GroupRef : torch::CustomClassHolder {
  GroupBox box;
  explicit GroupRef(const GroupBox& b) : box(b) {}
};

at::Tensor allreduceSumOf(const GroupBox& box, const at::Tensor& t, const char* collective) {
  // a fresh contiguous copy: Gloo reduces in place, and neither the input nor a gradient may change
  at::Tensor out = t.clone(at::MemoryFormat::Contiguous);
  std::vector<at::Tensor> one{out};
  c10d::AllreduceOptions opts;
  opts.reduceOp = c10d::ReduceOp::SUM;
  waitCollective(&box, collective, [&] { return box.group->allreduce(one, opts); });
  return out;
}

// torch.distributed.nn.functional.all_reduce (SUM): y = Σ_ranks x; the
// gradient of every rank's x is Σ_ranks dy, since every rank's y depends on it.
struct AllreduceSumFunction : public torch::autograd::Function<AllreduceSumFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& input,
                            const c10::intrusive_ptr<GroupRef>& ref) {
    ctx->saved_data["group"] = c10::IValue::make_capsule(ref);
    return allreduceSumOf(ref->box, input, "allreduce (autograd forward)");
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto ref = c10::static_intrusive_pointer_cast<GroupRef>(ctx->saved_data["group"].toCapsule());
    // grads[0] is defined (the context materializes an absent one as zeros). Every
    // rank's backward must reach this node, as every rank's forward ran it.
    return {allreduceSumOf(ref->box, grads[0], "allreduce (autograd backward)"), at::Tensor()};
  }
};

// allreduceSumAutograd(group, tensor) -> a new tensor, the sum over ranks, differentiable.
Napi::Value AllreduceSumAutograd(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  GroupBox* box = groupOf(env, info[0]);
  const at::Tensor& input = unwrapTensor(env, info[1], "allreduceSumAutograd");
  auto ref = c10::make_intrusive<GroupRef>(*box);
  return wrapTensor(env, AllreduceSumFunction::apply(input, ref));
}

}  // namespace

void registerDistributedAutograd(Napi::Env env, Napi::Object exports) {
  YOLO_EXPORT(exports, "allreduceSumAutograd", AllreduceSumAutograd);
}

}  // namespace yolo_native
