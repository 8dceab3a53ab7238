// What moved between the libtorch releases the addon builds against: Debian's
// 1.13 (the default) and an official 2.x (LIBTORCH=..., e.g. a PyTorch wheel's
// torch/ folder). One source for both: each difference is guarded here or at
// its one use, by TORCH_VERSION_MAJOR/MINOR from torch/version.h. Read
// against 2.13's headers (a CPU wheel, built and tested) and used blind for
// CUDA: the ScalarType codes the JavaScript side sends (0-7, 11, 15) are
// unchanged; c10d's backends became c10d::Backend (distributed.h);
// c10::Allocator's virtuals moved (cpu_allocator.cpp); CUDA generators are
// reached through the Context (runtime.cpp); GradMode is no longer included
// by ATen.h (autograd.cpp); C++20 and the std::string ABI come from the
// layout (libtorch_config.cjs).
#pragma once

#include <c10/util/Optional.h>
#include <torch/version.h>

#include <optional>

#define YOLO_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace yolo_native {

// c10::optional is its own class in 1.13 and an alias of std::optional from
// 2.4 (2.13's headers: `using std::optional` unless C10_NODEPRECATED, so it may
// go): the type libtorch's signatures take, under one name.
#if YOLO_TORCH_AT_LEAST(2, 4)
template <typename T>
using TorchOptional = std::optional<T>;
inline constexpr std::nullopt_t kTorchNullopt = std::nullopt;
#else
template <typename T>
using TorchOptional = c10::optional<T>;
inline constexpr c10::nullopt_t kTorchNullopt = c10::nullopt;
#endif

}  // namespace yolo_native
