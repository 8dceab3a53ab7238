// A caching CPU allocator for libtorch. Blocks of 1 MiB or more are kept when
// freed (up to a byte limit) and handed out again for the same rounded size.
// Why: glibc returns every block over 32 MB to the OS on free, and the next
// allocation page-faults each 4 KiB again on first touch. On the VMs we
// measured that is ~5 ms per MB, which a training step pays on every large
// activation and gradient, step after step: seconds per yolov3 step.
// PyTorch's CPU allocator does no caching; its CUDA one does, for the same reason.
// YOLO_CPU_CACHE_MB sets the limit (0 turns caching off); default a quarter of RAM.
#include "common.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace yolo_native {
namespace {

constexpr size_t kMinCached = size_t(1) << 20;
constexpr size_t kGranule = size_t(1) << 20;

size_t defaultLimit() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  size_t quarterOfRam = pages > 0 && page > 0 ? size_t(pages) * size_t(page) / 4 : 0;
  const char* env = std::getenv("YOLO_CPU_CACHE_MB");
  if (env == nullptr || *env == '\0') return quarterOfRam;
  char* end = nullptr;
  unsigned long long mb = std::strtoull(env, &end, 10);
  if (*end != '\0' || *env == '-') {
    std::fprintf(stderr, "yolov3: YOLO_CPU_CACHE_MB='%s' is not a whole number of MB; using the default (a quarter of RAM)\n", env);
    return quarterOfRam;
  }
  return size_t(mb) << 20;
}

struct BlockCache {
  std::mutex mutex;
  std::multimap<size_t, void*> idle;         // rounded size -> cached free block
  std::unordered_map<void*, size_t> sizes;   // every large block we handed out or cache
  size_t idleBytes = 0;
  size_t limit = defaultLimit();

  // Frees idle blocks until `room` more bytes fit under the limit; returns what to free outside the lock.
  void evictFor(size_t room, std::vector<void*>& out) {
    while (!idle.empty() && idleBytes + room > limit) {
      auto it = std::prev(idle.end());  // the largest first: fewest evictions
      idleBytes -= it->first;
      sizes.erase(it->second);
      out.push_back(it->second);
      idle.erase(it);
    }
  }
};

// Never destroyed: tensors may be freed during static destruction at exit.
BlockCache& blockCache() {
  static BlockCache* cache = new BlockCache();
  return *cache;
}

void releaseBlock(void* p) {
  BlockCache& c = blockCache();
  std::vector<void*> evicted;
  bool keep = false;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.sizes.find(p);
    if (it != c.sizes.end()) {
      size_t n = it->second;
      if (n <= c.limit) {
        c.evictFor(n, evicted);
        c.idle.emplace(n, p);
        c.idleBytes += n;
        keep = true;
      } else {
        c.sizes.erase(it);
      }
    }
  }
  for (void* q : evicted) c10::free_cpu(q);
  if (!keep) c10::free_cpu(p);
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  // c10::Allocator's virtuals moved in 2.x (2.13's headers against 1.13's):
  // allocate() lost its const, and copy_data() became pure virtual. Both
  // forms are defined without `override`, so whichever the base declares is
  // overridden, with no release number to get wrong.
  c10::DataPtr allocate(size_t nbytes) const { return allocateBlock(nbytes); }
  c10::DataPtr allocate(size_t nbytes) { return allocateBlock(nbytes); }
  void copy_data(void* dest, const void* src, std::size_t count) const {
    if (count) std::memcpy(dest, src, count);
  }

  static c10::DataPtr allocateBlock(size_t nbytes) {
    BlockCache& c = blockCache();
    if (nbytes < kMinCached || c.limit == 0) {
      // small blocks never enter the cache: free them directly, with no lock or lookup on this hot path
      void* p = c10::alloc_cpu(nbytes);
      return {p, p, &c10::free_cpu, c10::Device(c10::DeviceType::CPU)};
    }
    size_t n = (nbytes + kGranule - 1) / kGranule * kGranule;
    void* p = nullptr;
    {
      std::lock_guard<std::mutex> lock(c.mutex);
      auto it = c.idle.find(n);
      if (it != c.idle.end()) {
        p = it->second;
        c.idleBytes -= n;
        c.idle.erase(it);
      }
    }
    if (p == nullptr) {
      try {
        p = c10::alloc_cpu(n);
      } catch (const c10::Error&) {
        freeIdleBlocks();  // out of memory: give the cache back and try once more
        p = c10::alloc_cpu(n);
      }
      std::lock_guard<std::mutex> lock(c.mutex);
      c.sizes[p] = n;
    }
    return {p, p, &releaseBlock, c10::Device(c10::DeviceType::CPU)};
  }

  // raw_deallocate: releaseBlock frees any block it does not know (small ones) directly
  c10::DeleterFnPtr raw_deleter() const override { return &releaseBlock; }

  static void freeIdleBlocks() {
    BlockCache& c = blockCache();
    std::vector<void*> evicted;
    {
      std::lock_guard<std::mutex> lock(c.mutex);
      size_t limit = c.limit;
      c.limit = 0;
      c.evictFor(0, evicted);
      c.limit = limit;
    }
    for (void* q : evicted) c10::free_cpu(q);
  }
};

CachingCpuAllocator* allocatorInstance() {
  static CachingCpuAllocator* a = new CachingCpuAllocator();
  return a;
}

// { cachedBytes, limitBytes }: what the cache holds now.
Napi::Value CpuCacheInfo(const Napi::CallbackInfo& info) {
  BlockCache& c = blockCache();
  std::lock_guard<std::mutex> lock(c.mutex);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("cachedBytes", Napi::Number::New(info.Env(), double(c.idleBytes)));
  o.Set("limitBytes", Napi::Number::New(info.Env(), double(c.limit)));
  return o;
}

Napi::Value EmptyCpuCache(const Napi::CallbackInfo& info) {
  CachingCpuAllocator::freeIdleBlocks();
  return info.Env().Undefined();
}

}  // namespace

void registerCpuAllocator(Napi::Env env, Napi::Object exports) {
  static std::once_flag installed;
  std::call_once(installed, [] { c10::SetCPUAllocator(allocatorInstance(), /*priority=*/1); });
  YOLO_EXPORT(exports, "cpuCacheInfo", CpuCacheInfo);
  YOLO_EXPORT(exports, "emptyCpuCache", EmptyCpuCache);
}

}  // namespace yolo_native
