// Entry point of the native addon: collects each file's exported functions.
#include "common.h"

namespace yolo_native {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  registerCpuAllocator(env, exports);  // first: before any tensor is allocated
  registerHandles(env, exports);
  registerOps(env, exports);
  registerTensorData(env, exports);
  registerAutograd(env, exports);
  registerRuntime(env, exports);
  registerDistributed(env, exports);
  registerDistributedAutograd(env, exports);
  registerBatchNormLeaky(env, exports);
  registerMaxPool2x2(env, exports);
  registerDistributedReducer(env, exports);
  registerObjects(env, exports);
  return exports;
}

}  // namespace yolo_native

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return yolo_native::Init(env, exports); }

NODE_API_MODULE(yolov3_native, InitAddon)
