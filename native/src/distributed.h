// The process group handle shared by the addon's distributed files
// (distributed.cpp: rendezvous and collectives). Generic: no models here.
// `box->group->collective(...)` works on either backend and either libtorch.
#pragma once

#include "common.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>
#ifdef USE_C10D_NCCL  // binding.gyp sets it when LIBTORCH is a CUDA build
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <stdexcept>
#include <string>

namespace yolo_native {

// The type the backends (Gloo, NCCL) share, whose virtual collectives
// (broadcast, allreduce, allgather, barrier) the addon calls: in libtorch 1.x
// each backend is a c10d::ProcessGroup; from 2.0 a c10d::Backend (2.x's
// ProcessGroup is a dispatcher over backends).
#if YOLO_TORCH_AT_LEAST(2, 0)
using CollectiveGroup = c10d::Backend;
#else
using CollectiveGroup = c10d::ProcessGroup;
#endif

struct GroupBox {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<CollectiveGroup> group;
  int rank;
  int world;
  std::string backend = "gloo";
  // Where the backend reads tensors: the CPU for Gloo, cuda:LOCAL_RANK for NCCL
  // (distributed.cpp stages a tensor elsewhere through this device).
  c10::Device device = c10::Device(c10::DeviceType::CPU);
};

inline constexpr napi_type_tag kGroupTag = {0x51c7a9e03d2b4f18ULL, 0x9a6e2c4b7d1f3e05ULL};

inline GroupBox* groupOf(const Napi::Env& env, const Napi::Value& value) {
  if (!value.IsExternal() || !value.As<Napi::External<GroupBox>>().CheckTypeTag(&kGroupTag))
    throwTypeError(env, "expected a process group");
  GroupBox* box = value.As<Napi::External<GroupBox>>().Data();
  if (!box->group) throwError(env, "process group was already destroyed");
  return box;
}

inline std::string where(const GroupBox* box, const char* collective) {
  return "rank " + std::to_string(box->rank) + " of " + std::to_string(box->world) + ": " + collective;
}

// Runs one collective to completion; libtorch's and Gloo's errors become a
// std::runtime_error with the rank and collective in front. Usable where no
// JavaScript is on the stack (inside autograd's backward).
template <typename Start>
void waitCollective(const GroupBox* box, const char* collective, Start start) {
  try {
    c10::intrusive_ptr<c10d::Work> work = start();
    work->wait();
  } catch (const c10::Error& e) {
    throw std::runtime_error(where(box, collective) + " failed: " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw std::runtime_error(where(box, collective) + " failed: " + e.what());
  }
}

// The same, for a call from JavaScript: the failure becomes a JavaScript error.
template <typename Start>
void runCollective(const Napi::Env& env, GroupBox* box, const char* collective, Start start) {
  try {
    waitCollective(box, collective, start);
  } catch (const std::exception& e) {
    throwError(env, e.what());
  }
}

}  // namespace yolo_native
