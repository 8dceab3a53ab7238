// Collective communication through PyTorch's own c10d: a TCPStore for the
// rendezvous (as torch.distributed's env:// init), a process group on it
// (ProcessGroupGloo; ProcessGroupNCCL on cuda:LOCAL_RANK when the addon is
// built against a CUDA libtorch), and the blocking collectives a
// data-parallel trainer needs. Generic: it moves tensors, it knows nothing
// of models. Every failure (a timeout, a peer whose connection closed)
// becomes a JavaScript error that names this rank, the world size and the
// collective.
#include "distributed.h"

#ifdef USE_C10D_NCCL
#include <c10/cuda/CUDAFunctions.h>
#endif

#include <chrono>
#include <cstdlib>
#include <vector>

namespace yolo_native {
namespace {

// Dense, contiguous tensors only: the backend reads and writes their memory in place.
std::vector<at::Tensor> tensorList(const Napi::Env& env, const Napi::Value& value, const char* what) {
  if (!value.IsArray()) throwTypeError(env, std::string(what) + ": expected an array of tensors");
  auto array = value.As<Napi::Array>();
  std::vector<at::Tensor> out;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    const at::Tensor& t = unwrapTensor(env, array.Get(i), what);
    if (!t.is_contiguous()) throwError(env, std::string(what) + ": tensor " + std::to_string(i) + " is not contiguous");
    out.push_back(t);
  }
  return out;
}

// A tensor on the group's device: itself, or a copy there (a CPU flag under
// NCCL, a CUDA gradient under Gloo); copyBack writes a copy's result back.
at::Tensor staged(const GroupBox* box, const at::Tensor& t) { return t.device() == box->device ? t : t.to(box->device); }

void copyBack(at::Tensor& t, const at::Tensor& on) {
  if (!on.is_same(t)) t.copy_(on);
}

// The backends this build holds, for the JavaScript side's error before it asks for one it lacks.
std::vector<std::string> backendsBuilt() {
#ifdef USE_C10D_NCCL
  return {"gloo", "nccl"};
#else
  return {"gloo"};
#endif
}

void makeGloo(GroupBox* box, std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  // Gloo's device: GLOO_SOCKET_IFNAME as torch.distributed reads it, else the host's own address.
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  options->devices.push_back(ifname && *ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                                               : c10d::ProcessGroupGloo::createDefaultDevice());
  options->threads = 1;  // one collective at a time: the trainer's calls are sequential
  box->group = c10::make_intrusive<c10d::ProcessGroupGloo>(box->store, box->rank, box->world, options);
}

// NCCL on cuda:deviceIndex. Blocking wait (unless the environment says
// otherwise) makes Work::wait() throw at the timeout, as Gloo's does, instead
// of NCCL's watchdog ending the process: a lost peer stays a JavaScript error.
void makeNccl(const Napi::Env& env, GroupBox* box, std::chrono::milliseconds timeout, int64_t deviceIndex) {
#ifdef USE_C10D_NCCL
  int64_t count = static_cast<int64_t>(c10::cuda::device_count());
  if (deviceIndex < 0 || deviceIndex >= count)
    throwError(env, where(box, "rendezvous") + ": nccl on cuda:" + std::to_string(deviceIndex) + ", but this machine has " +
                        std::to_string(count) + " CUDA device" + (count == 1 ? "" : "s"));
  setenv("TORCH_NCCL_BLOCKING_WAIT", "1", 0);  // 2.x's name
  setenv("NCCL_BLOCKING_WAIT", "1", 0);        // 1.x's
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(deviceIndex));
  box->device = c10::Device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(deviceIndex));
  box->backend = "nccl";
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = timeout;
  box->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(box->store, box->rank, box->world, options);
#else
  throwError(env, "this build has no NCCL: build the addon against a CUDA libtorch with LIBTORCH=/path/to/libtorch "
                  "(README 'Using another libtorch')");
#endif
}

// Closes the group's connections. 2.x's NCCL group wants the explicit
// shutdown torch.distributed.destroy_process_group gives it before its
// destructor runs (else it warns and tears its communicators down late).
void closeGroup(GroupBox* box) {
#if defined(USE_C10D_NCCL) && YOLO_TORCH_AT_LEAST(2, 4)
  if (box->group && box->backend == "nccl") {
    try {
      static_cast<c10d::ProcessGroupNCCL*>(box->group.get())->shutdown();
    } catch (const std::exception&) {  // a peer already gone: nothing left to close cleanly
    }
  }
#endif
  box->group.reset();
  box->store.reset();
}

[[noreturn]] void rendezvousFailed(const Napi::Env& env, const GroupBox* box, const std::string& endpoint, const std::string& why) {
  throwError(env, where(box, "rendezvous") + " at " + endpoint + " failed: " + why);
}

// initProcessGroup(addr, port, rank, world, timeoutMs, rendezvousTimeoutMs, backend, deviceIndex, agentStorePrefix):
// rank 0 serves the store; every rank connects, and the group's constructor
// connects all pairs (NCCL: at the first collective). The store waits up to
// rendezvousTimeoutMs (processes start at different times); each collective
// up to timeoutMs. backend: 'gloo' (default) or 'nccl' on cuda:deviceIndex (default the rank).
// With agentStorePrefix (a string) the store at addr:port is a launcher's own
// (torchrun's static rendezvous, TORCHELASTIC_USE_AGENT_STORE): every rank
// is its client, under that prefix, as torch.distributed's _create_c10d_store.
Napi::Value InitProcessGroup(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsString()) throwTypeError(env, "initProcessGroup: expected the master address");
  std::string addr = info[0].As<Napi::String>().Utf8Value();
  int64_t port = toInt64(env, info[1], "port");
  int64_t rank = toInt64(env, info[2], "rank");
  int64_t world = toInt64(env, info[3], "world size");
  int64_t timeoutMs = toInt64(env, info[4], "timeout");
  if (port < 1 || port > 65535) throwError(env, "initProcessGroup: port out of range: " + std::to_string(port));
  if (world < 1 || rank < 0 || rank >= world)
    throwError(env, "initProcessGroup: rank " + std::to_string(rank) + " not in a world of " + std::to_string(world));
  int64_t rendezvousMs = info.Length() > 5 && !info[5].IsUndefined() ? toInt64(env, info[5], "rendezvous timeout") : timeoutMs;
  bool agentStore = info.Length() > 8 && info[8].IsString();
  std::string agentPrefix = agentStore ? info[8].As<Napi::String>().Utf8Value() : "";
  if (timeoutMs < 1 || rendezvousMs < 1) throwError(env, "initProcessGroup: timeouts must be positive");
  std::string backend = info.Length() > 6 && info[6].IsString() ? info[6].As<Napi::String>().Utf8Value() : "gloo";
  if (backend != "gloo" && backend != "nccl") throwError(env, "initProcessGroup: backend '" + backend + "' is not gloo or nccl");
  int64_t deviceIndex = info.Length() > 7 && !info[7].IsUndefined() ? toInt64(env, info[7], "device index") : rank;
  auto timeout = std::chrono::milliseconds(timeoutMs);
  auto box = std::make_unique<GroupBox>();
  box->rank = static_cast<int>(rank);
  box->world = static_cast<int>(world);
  std::string endpoint = addr + ":" + std::to_string(port);
  try {
    c10d::TCPStoreOptions opts;
    opts.port = static_cast<std::uint16_t>(port);
    opts.isServer = rank == 0 && !agentStore;
    opts.numWorkers = static_cast<std::size_t>(world);
    opts.waitWorkers = true;
    opts.timeout = std::chrono::milliseconds(rendezvousMs);
    auto tcp = c10::make_intrusive<c10d::TCPStore>(addr, opts);
    // A prefix, as torch.distributed's default group, so other users of the store cannot clash.
    c10::intrusive_ptr<c10d::Store> base = tcp;
    if (agentStore) base = c10::make_intrusive<c10d::PrefixStore>(agentPrefix, tcp);
    box->store = c10::make_intrusive<c10d::PrefixStore>("default_pg", base);
    if (backend == "nccl") makeNccl(env, box.get(), timeout, deviceIndex);
    else makeGloo(box.get(), timeout);
    tcp->setTimeout(timeout);  // from now on the store serves the collectives' timeout
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    rendezvousFailed(env, box.get(), endpoint, e.what_without_backtrace());
  } catch (const std::exception& e) {
    rendezvousFailed(env, box.get(), endpoint, e.what());
  }
  auto external = Napi::External<GroupBox>::New(env, box.release(), [](Napi::Env, GroupBox* b) {
    closeGroup(b);
    delete b;
  });
  external.TypeTag(&kGroupTag);
  return external;
}

// broadcast(group, tensors, root): every tensor takes root's values, in place.
Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  GroupBox* box = groupOf(env, info[0]);
  auto tensors = tensorList(env, info[1], "broadcast");
  int64_t root = toInt64(env, info[2], "root");
  for (auto& t : tensors) {
    std::vector<at::Tensor> one{staged(box, t)};
    c10d::BroadcastOptions opts;
    opts.rootRank = root;
    runCollective(env, box, "broadcast", [&] { return box->group->broadcast(one, opts); });
    copyBack(t, one[0]);
  }
  return env.Undefined();
}

// allreduceSum(group, tensors): each tensor becomes the sum over ranks, in place (Gloo has no average).
Napi::Value AllreduceSum(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  GroupBox* box = groupOf(env, info[0]);
  auto tensors = tensorList(env, info[1], "allreduce");
  for (auto& t : tensors) {
    std::vector<at::Tensor> one{staged(box, t)};
    c10d::AllreduceOptions opts;
    opts.reduceOp = c10d::ReduceOp::SUM;
    runCollective(env, box, "allreduce", [&] { return box->group->allreduce(one, opts); });
    copyBack(t, one[0]);
  }
  return env.Undefined();
}

// allgather(group, tensor) -> one tensor per rank, rank order; every rank's tensor has the same shape.
Napi::Value Allgather(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  GroupBox* box = groupOf(env, info[0]);
  const at::Tensor& input = unwrapTensor(env, info[1], "allgather");
  std::vector<at::Tensor> inputs{staged(box, input.contiguous())};
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int r = 0; r < box->world; ++r) outputs[0].push_back(at::empty_like(inputs[0]));
  runCollective(env, box, "allgather", [&] { return box->group->allgather(outputs, inputs); });
  auto result = Napi::Array::New(env, outputs[0].size());
  for (size_t r = 0; r < outputs[0].size(); ++r)  // on the caller's device
    result.Set(static_cast<uint32_t>(r), wrapTensor(env, outputs[0][r].to(input.device())));
  return result;
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  GroupBox* box = groupOf(env, info[0]);
  c10d::BarrierOptions opts;
  if (box->device.is_cuda()) opts.device_ids = {box->device.index()};  // NCCL's barrier is an allreduce on this device
  runCollective(env, box, "barrier", [&] { return box->group->barrier(opts); });
  return env.Undefined();
}

// storeSet(group, key, value) and storeWait(group, key, timeoutMs): the
// rendezvous store's keys, for a rank that must wait longer than a
// collective may (the others while rank 0 evaluates). A store whose server
// (rank 0) is gone fails the wait at once.
Napi::Value StoreSet(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  GroupBox* box = groupOf(env, info[0]);
  if (!info[1].IsString() || !info[2].IsString()) throwTypeError(env, "storeSet(group, key, value): expected strings");
  std::string value = info[2].As<Napi::String>().Utf8Value();
  try {
    box->store->set(info[1].As<Napi::String>().Utf8Value(), std::vector<uint8_t>(value.begin(), value.end()));
  } catch (const std::exception& e) {
    throwError(env, where(box, "store set") + " failed: " + e.what());
  }
  return env.Undefined();
}

Napi::Value StoreWait(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  GroupBox* box = groupOf(env, info[0]);
  if (!info[1].IsString()) throwTypeError(env, "storeWait(group, key, timeoutMs): expected a key");
  int64_t timeoutMs = toInt64(env, info[2], "timeout");
  std::string key = info[1].As<Napi::String>().Utf8Value();
  try {
    box->store->wait({key}, std::chrono::milliseconds(timeoutMs));
    auto value = box->store->get(key);
    return Napi::String::New(env, std::string(value.begin(), value.end()));
  } catch (const c10::Error& e) {
    throwError(env, where(box, "store wait") + " for '" + key + "' failed: " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throwError(env, where(box, "store wait") + " for '" + key + "' failed: " + e.what());
  }
}

Napi::Value GroupInfo(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  GroupBox* box = groupOf(env, info[0]);
  auto result = Napi::Object::New(env);
  result.Set("rank", Napi::Number::New(env, box->rank));
  result.Set("worldSize", Napi::Number::New(env, box->world));
  result.Set("backend", Napi::String::New(env, box->backend));
  result.Set("device", Napi::String::New(env, box->device.str()));
  return result;
}

// destroyProcessGroup(group): closes the group's connections now (the External's finalizer is only a backstop).
Napi::Value DestroyProcessGroup(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsExternal() || !info[0].As<Napi::External<GroupBox>>().CheckTypeTag(&kGroupTag))
    throwTypeError(env, "expected a process group");
  closeGroup(info[0].As<Napi::External<GroupBox>>().Data());
  return env.Undefined();
}

Napi::Value DistributedBackends(const Napi::CallbackInfo& info) {
  auto names = backendsBuilt();
  auto result = Napi::Array::New(info.Env(), names.size());
  for (size_t i = 0; i < names.size(); ++i) result.Set(static_cast<uint32_t>(i), Napi::String::New(info.Env(), names[i]));
  return result;
}

}  // namespace

void registerDistributed(Napi::Env env, Napi::Object exports) {
  YOLO_EXPORT(exports, "distributedBackends", DistributedBackends);
  YOLO_EXPORT(exports, "initProcessGroup", InitProcessGroup);
  YOLO_EXPORT(exports, "broadcast", Broadcast);
  YOLO_EXPORT(exports, "allreduceSum", AllreduceSum);
  YOLO_EXPORT(exports, "allgather", Allgather);
  YOLO_EXPORT(exports, "barrier", Barrier);
  YOLO_EXPORT(exports, "groupInfo", GroupInfo);
  YOLO_EXPORT(exports, "storeSet", StoreSet);
  YOLO_EXPORT(exports, "storeWait", StoreWait);
  YOLO_EXPORT(exports, "destroyProcessGroup", DestroyProcessGroup);
}

}  // namespace yolo_native
