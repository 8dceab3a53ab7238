// Debian's libtorch-dev ships c10d's reducer.hpp but not the header of
// distributed autograd (RPC) it includes. This stand-in declares only what
// reducer.hpp names: the context type's GradCallback (for its static_assert)
// and ContextPtr, a shared_ptr whose layout does not depend on the class, so
// the Reducer's members lie where libtorch_cpu's code expects them.
// Distributed autograd itself is never used (no RPC context is ever set).
// Searched after /usr/include only on Debian's layout; an official libtorch
// (LIBTORCH) has the real header.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <memory>

namespace torch {
namespace distributed {
namespace autograd {

class DistAutogradContext {
 public:
  using GradCallback = std::function<bool(at::Tensor&)>;
};

using ContextPtr = std::shared_ptr<DistAutogradContext>;

}  // namespace autograd
}  // namespace distributed
}  // namespace torch
