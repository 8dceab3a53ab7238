// A caching CPU allocator for libtorch. Blocks of 1 MiB or more are kept when
// freed (up to a byte limit) and handed out again (see "Peak memory" below).
// Why: glibc returns every block over 32 MB to the OS on free, and the next
// allocation page-faults each 4 KiB again on first touch. On the VMs we
// measured that is ~5 ms per MB, which a training step pays on every large
// activation and gradient, step after step: seconds per yolov3 step (on
// 2026-12-01 the same VM faulted at ~0.3 ms per MB, and yolov3's step took
// about as long without the cache: what it saves varies with the host).
// PyTorch's CPU allocator does no caching; its CUDA one does, for the same reason.
// YOLO_CPU_CACHE_MB sets the limit (0 turns caching off); default a quarter of RAM.
//
// Peak memory: an exact-size cache grows to the sum, over sizes, of the most
// blocks of each size ever in use at once, far above the most bytes in use at
// once (yolov3's training step: ~600 MB idle at its peak). So a request takes
// the smallest idle block of its size or more, and a miss (no idle block large
// enough) first frees idle blocks worth its size. Resident memory is held to
// a budget: the most bytes ever in use at once plus a slack
// (YOLO_CPU_CACHE_SLACK_MB, default 256). Within
// it, a request keeps the pages of the part of its block it does not use
// (the next larger tensor there would fault them again); beyond it, it
// gives them back (MADV_DONTNEED), and idle blocks give theirs back, those
// with most resident first, until resident memory is within it again
// (measured 2026-12-01, steady training steps, the tail always given back
// and idle blocks never trimmed before: yolov3-tiny 0.280 -> 0.249 s per
// step, 16k -> 0.2k faults, peak RSS 767 -> 800 MB; yolov3 2.46 -> 2.41 s,
// peak RSS 3023 -> 2977 MB; a budget of the most in use alone trimmed too
// much: yolov3-tiny 101k faults, 0.37 s). A block more than twice the
// request and more than kMaxDropped bytes over it is not taken (the request maps its own block,
// evicting nothing): else the small tensor drops most of the large block's
// pages, and the next request of the large size faults them all again, step
// after step (measured 2026-12-01:
// yolov3's training forward re-faulted ~370 MB, 95k faults, 0.16 s of system
// time, per forward; one 3x3 512->1024 conv at 13x13, batch 4, took 34.5 ms
// against 27.8 ms without the cache, as in PyTorch). Among the idle blocks a
// request may take, it takes the one with most of its first n bytes still
// resident (each block remembers what its last tensor used), the smallest on
// a tie: a block whose tail was given back faults it again when a larger
// tensor takes it (measured 2026-12-01, yolov3's steady training step: 64k
// faults and 0.18 s of system time per step before, 49k and 0.14 s after,
// and peak RSS 2886 -> 2788 MB, the dropped tails staying dropped). The blocks are mmap'ed, not malloc'ed: freeing one
// gives its pages back at once, where glibc keeps freed chunks under its mmap
// threshold (which it raises up to 32 MB) in its heap.
//
// Inference (cpuKeepPages): a forward repeats the same requests, and a block
// that serves a small tensor and then a large one within one forward had its
// tail dropped by the first and re-faulted by the second, every forward
// (mobilenet-yolo at batch 1: ~5000 faults, 20 ms against 12 ms, when every
// tail was given back). While a caller keeps pages, tails are not dropped
// and idle blocks not trimmed, beyond the budget too: resident memory is
// then the blocks mapped, at most about twice what is in use.
// Small blocks (under 1 MiB) are glibc's: with its dynamic mmap threshold it
// still mapped and unmapped some of them, and trimmed its heap, at every
// forward; mallopt fixes the threshold at 1 MiB (what is larger comes here)
// and keeps up to 64 MiB free at the heap's top, unless the user set
// MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ / GLIBC_TUNABLES.
#include "common.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace yolo_native {
namespace {

constexpr size_t kMinCached = size_t(1) << 20;
constexpr size_t kGranule = size_t(1) << 20;
// an idle block over twice a request's size is taken only if it drops at most this much (see the top)
constexpr size_t kMaxDropped = size_t(4) << 20;
// resident memory may exceed the most ever in use by this much before tails and idle blocks give pages back
// (see the top); YOLO_CPU_CACHE_SLACK_MB sets it
constexpr size_t kDefaultSlack = size_t(256) << 20;

// The environment variable `name` as whole MB, in bytes; `fallback` (described as `what`) when unset or not a number.
size_t megabytesFromEnv(const char* name, size_t fallback, const char* what) {
  const char* env = std::getenv(name);
  if (env == nullptr || *env == '\0') return fallback;
  char* end = nullptr;
  unsigned long long mb = std::strtoull(env, &end, 10);
  if (*end != '\0' || *env == '-') {
    std::fprintf(stderr, "yolov3: %s='%s' is not a whole number of MB; using the default (%s)\n", name, env, what);
    return fallback;
  }
  return size_t(mb) << 20;
}

size_t defaultLimit() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  size_t quarterOfRam = pages > 0 && page > 0 ? size_t(pages) * size_t(page) / 4 : 0;
  return megabytesFromEnv("YOLO_CPU_CACHE_MB", quarterOfRam, "a quarter of RAM");
}

using Evicted = std::vector<std::pair<void*, size_t>>;

// > 0 while some caller keeps pages (cpuKeepPages): no tail is given back, no idle block trimmed.
std::atomic<int> keepPagesDepth{0};

void tuneGlibcMalloc() {
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_") || std::getenv("GLIBC_TUNABLES")) return;
  mallopt(M_MMAP_THRESHOLD, int(kMinCached));
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

struct BlockCache {
  std::mutex mutex;
  std::multimap<size_t, void*> idle;         // block size -> cached free block
  std::unordered_map<void*, size_t> sizes;   // every large block we handed out or cache
  // the bytes at each block's start its last tensor used: resident (the rest was given back or never touched)
  std::unordered_map<void*, size_t> resident;
  // the bytes each block in use was asked for (rounded up to whole MiB)
  std::unordered_map<void*, size_t> used;
  size_t idleBytes = 0;
  size_t residentBytes = 0;                 // the sum of `resident`
  size_t inUseBytes = 0, peakInUseBytes = 0;  // the sum of `used`, and its most so far
  size_t limit = defaultLimit();
  size_t slack = megabytesFromEnv("YOLO_CPU_CACHE_SLACK_MB", kDefaultSlack, "256");
  // statistics (cpuCacheStats): mapped = in use + idle
  double hits = 0, misses = 0;
  size_t mappedBytes = 0, peakMappedBytes = 0;

  // Frees idle blocks (the largest first: fewest evictions) until idleBytes + room <= cap; returns what to unmap outside the lock.
  void evictTo(size_t cap, size_t room, Evicted& out) {
    while (!idle.empty() && idleBytes + room > cap) {
      auto it = std::prev(idle.end());
      idleBytes -= it->first;
      mappedBytes -= it->first;
      sizes.erase(it->second);
      forget(it->second);
      out.emplace_back(it->second, it->first);
      idle.erase(it);
    }
  }
  void evictFor(size_t room, Evicted& out) { evictTo(limit, room, out); }

  // what resident memory may reach outside keepPages: the most ever in use plus the slack
  size_t budget() const { return peakInUseBytes + slack; }
  void setResident(void* p, size_t bytes) {
    size_t& r = resident[p];
    residentBytes = residentBytes - r + bytes;
    r = bytes;
  }
  void forget(void* p) {
    auto it = resident.find(p);
    if (it == resident.end()) return;
    residentBytes -= it->second;
    resident.erase(it);
  }

  // A tensor of n bytes now uses block p: counted in use, the most in use raised.
  void use(void* p, size_t n) {
    used[p] = n;
    inUseBytes += n;
    peakInUseBytes = std::max(peakInUseBytes, inUseBytes);
  }

  // Gives idle blocks' pages back (MADV_DONTNEED, under the lock: an idle block is no tensor's), those
  // with most resident first, until the resident bytes are within budget().
  void trimIdle() {
    if (residentBytes <= budget()) return;
    std::vector<std::pair<size_t, void*>> candidates;
    for (const auto& [size, q] : idle) {
      const size_t r = resident[q];
      if (r > 0) candidates.emplace_back(r, q);
    }
    std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (const auto& [r, q] : candidates) {
      if (residentBytes <= budget()) break;
      madvise(q, r, MADV_DONTNEED);
      setResident(q, 0);
    }
  }

  // Before mapping n fresh bytes (every idle block is smaller: take() found none): frees idle blocks worth n,
  // the largest first, so resident memory grows only when the idle blocks cannot make the room.
  void makeRoom(size_t n, Evicted& out) { evictTo(idleBytes > n ? idleBytes - n : 0, 0, out); }

  // The smallest idle block of n bytes or more, and its size, unless it is over 2n and kMaxDropped;
  // nullptr when none (oversized: there were idle blocks large enough, only too large).
  // Of the idle blocks it may take (up to 2n, or kMaxDropped over n), the one with most of its first n
  // bytes resident (the fewest page faults when the tensor touches them), the smallest on a tie.
  std::pair<void*, size_t> take(size_t n, bool& oversized) {
    auto it = idle.lower_bound(n);
    oversized = it != idle.end() && it->first > 2 * n && it->first - n > kMaxDropped;
    if (it == idle.end() || oversized) return {nullptr, 0};
    const size_t most = std::max(2 * n, n + kMaxDropped);
    auto covered = [&](std::multimap<size_t, void*>::iterator j) { return std::min(resident[j->second], n); };
    size_t best = covered(it);
    for (auto j = std::next(it); j != idle.end() && j->first <= most && best < n; ++j) {
      if (covered(j) > best) {
        best = covered(j);
        it = j;
      }
    }
    std::pair<void*, size_t> block{it->second, it->first};
    idleBytes -= it->first;
    idle.erase(it);
    return block;
  }
};

void unmapAll(const Evicted& blocks) {
  for (const auto& [p, n] : blocks) munmap(p, n);
}

void* mapBlock(size_t n) {
  void* p = mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

// Never destroyed: tensors may be freed during static destruction at exit.
BlockCache& blockCache() {
  static BlockCache* cache = new BlockCache();
  return *cache;
}

void releaseBlock(void* p) {
  BlockCache& c = blockCache();
  Evicted evicted;
  bool ours = false;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.sizes.find(p);
    if (it != c.sizes.end()) {
      ours = true;
      size_t n = it->second;
      auto u = c.used.find(p);
      if (u != c.used.end()) {
        c.inUseBytes -= u->second;
        c.used.erase(u);
      }
      if (n <= c.limit) {
        c.evictFor(n, evicted);
        c.idle.emplace(n, p);
        c.idleBytes += n;
      } else {
        c.sizes.erase(it);
        c.forget(p);
        c.mappedBytes -= n;
        evicted.emplace_back(p, n);
      }
    }
  }
  unmapAll(evicted);
  if (!ours) c10::free_cpu(p);  // a small block, or any block while the cache was off
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
    size_t blockSize = 0;
    Evicted evicted;
    const bool keepPages = keepPagesDepth.load() > 0;  // read once: the tail is kept or dropped as `resident` records
    bool keepTail = keepPages;
    {
      std::lock_guard<std::mutex> lock(c.mutex);
      bool oversized = false;
      std::tie(p, blockSize) = c.take(n, oversized);
      if (p != nullptr) {
        c.hits++;
        c.use(p, n);
        // this tensor's pages, and the tail its block still has resident while that stays within budget()
        // (or while a caller keeps pages); else the tail is given back below
        const size_t r = c.resident[p];
        keepTail = keepPages || c.residentBytes - r + std::max(r, n) <= c.budget();
        c.setResident(p, keepTail ? std::max(r, n) : n);
        if (!keepPages) c.trimIdle();
      } else {
        c.misses++;
        if (!oversized) c.makeRoom(n, evicted);  // freeing the too-large blocks would re-fault them at their next use
      }
    }
    unmapAll(evicted);
    // the tail this tensor leaves unused (n and the block are whole MiB, so whole pages): reads as zeros if touched again
    if (p != nullptr && blockSize > n && !keepTail) madvise(static_cast<char*>(p) + n, blockSize - n, MADV_DONTNEED);
    if (p == nullptr) {
      p = mapBlock(n);
      if (p == nullptr) {
        freeIdleBlocks();  // out of memory: give the cache back and try once more
        p = mapBlock(n);
      }
      TORCH_CHECK(p != nullptr, "CPU allocator: out of memory allocating ", n, " bytes");
      std::lock_guard<std::mutex> lock(c.mutex);
      c.sizes[p] = n;
      c.use(p, n);
      c.setResident(p, n);
      c.mappedBytes += n;
      c.peakMappedBytes = std::max(c.peakMappedBytes, c.mappedBytes);
      if (!keepPages) c.trimIdle();
    }
    return {p, p, &releaseBlock, c10::Device(c10::DeviceType::CPU)};
  }

  // raw_deallocate: releaseBlock frees any block it does not know (small ones) directly
  c10::DeleterFnPtr raw_deleter() const override { return &releaseBlock; }

  static void freeIdleBlocks() {
    BlockCache& c = blockCache();
    Evicted evicted;
    {
      std::lock_guard<std::mutex> lock(c.mutex);
      c.evictTo(0, 0, evicted);
    }
    unmapAll(evicted);
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

// { hits, misses, mappedBytes, peakMappedBytes, residentBytes, inUseBytes, peakInUseBytes, budgetBytes }:
// large requests served from idle blocks or mapped afresh, the bytes of large blocks mapped now (in use + idle)
// and at most so far (since the last reset), their bytes counted resident, in use now and at most ever in use
// at once, and the budget resident memory is held to outside keepPages.
Napi::Value CpuCacheStats(const Napi::CallbackInfo& info) {
  BlockCache& c = blockCache();
  std::lock_guard<std::mutex> lock(c.mutex);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("hits", Napi::Number::New(info.Env(), c.hits));
  o.Set("misses", Napi::Number::New(info.Env(), c.misses));
  o.Set("mappedBytes", Napi::Number::New(info.Env(), double(c.mappedBytes)));
  o.Set("peakMappedBytes", Napi::Number::New(info.Env(), double(c.peakMappedBytes)));
  o.Set("residentBytes", Napi::Number::New(info.Env(), double(c.residentBytes)));
  o.Set("inUseBytes", Napi::Number::New(info.Env(), double(c.inUseBytes)));
  o.Set("peakInUseBytes", Napi::Number::New(info.Env(), double(c.peakInUseBytes)));
  o.Set("budgetBytes", Napi::Number::New(info.Env(), double(c.budget())));
  if (info.Length() > 0 && info[0].ToBoolean()) {  // reset
    c.hits = c.misses = 0;
    c.peakMappedBytes = c.mappedBytes;
  }
  return o;
}

// cpuKeepPages(true) / (false): enter / leave a stretch where idle blocks keep their pages (nested: counted).
Napi::Value CpuKeepPages(const Napi::CallbackInfo& info) {
  if (info[0].ToBoolean()) keepPagesDepth++;
  else if (keepPagesDepth.load() > 0) keepPagesDepth--;
  return info.Env().Undefined();
}

Napi::Value EmptyCpuCache(const Napi::CallbackInfo& info) {
  CachingCpuAllocator::freeIdleBlocks();
  return info.Env().Undefined();
}

}  // namespace

void registerCpuAllocator(Napi::Env env, Napi::Object exports) {
  static std::once_flag installed;
  std::call_once(installed, [] {
    c10::SetCPUAllocator(allocatorInstance(), /*priority=*/1);
    if (blockCache().limit > 0) tuneGlibcMalloc();
  });
  YOLO_EXPORT(exports, "cpuCacheInfo", CpuCacheInfo);
  YOLO_EXPORT(exports, "emptyCpuCache", EmptyCpuCache);
  YOLO_EXPORT(exports, "cpuCacheStats", CpuCacheStats);
  YOLO_EXPORT(exports, "cpuKeepPages", CpuKeepPages);
}

}  // namespace yolo_native
