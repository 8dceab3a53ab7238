# Builds the libtorch addon. libtorch is found in Debian's paths (package
# libtorch-dev) unless $LIBTORCH points at an official libtorch zip layout
# (include/, include/torch/csrc/api/include, lib/), e.g. a CUDA build, or at
# a PyTorch wheel's torch/ folder (the same layout). The same sources build
# against 1.13 and 2.x (native/src/torch_compat.h).
# libtorch_config.cjs reads what the layout asks for: its C++ standard (C++20
# for recent 2.x) and std::string ABI (YOLO_CXX11_ABI=0|1 overrides).
# A CUDA libtorch (lib/libtorch_cuda.so) also gets ProcessGroupNCCL
# (-DUSE_C10D_NCCL, the CUDA and NCCL headers found by libtorch_config.cjs)
# unless YOLO_NO_NCCL=1.
# Gloo's headers: Debian's libgloo-dev (/usr/include), or YOLO_GLOO_INCLUDE
# (an official libtorch ships none).
# oneDNN's headers: Debian's libdnnl-dev (YOLO_NO_DNNL=1 builds without them).
{
  "variables": {
    "libtorch%": "<!(node -p \"process.env.LIBTORCH || ''\")",
    "libtorch_cuda%": "<!(node -p \"process.env.LIBTORCH && require('fs').existsSync(process.env.LIBTORCH + '/lib/libtorch_cuda.so') ? 1 : 0\")",
    "nccl%": "<!(node -p \"process.env.YOLO_NO_NCCL === '1' ? 0 : 1\")",
    "cxx_std%": "<!(node libtorch_config.cjs cxx-std)",
    "cxx11_abi%": "<!(node libtorch_config.cjs cxx11-abi)",
    "gloo_include%": "<!(node -p \"process.env.YOLO_GLOO_INCLUDE || ''\")",
    "dnnl%": "<!(node -p \"process.env.YOLO_NO_DNNL !== '1' && require('fs').existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') ? 1 : 0\")"
  },
  "targets": [
    {
      "target_name": "yolov3_native",
      "sources": [
        "src/addon.cpp",
        "src/errors.cpp",
        "src/handles.cpp",
        "src/ivalue_convert.cpp",
        "src/ops.cpp",
        "src/tensor_data.cpp",
        "src/autograd.cpp",
        "src/runtime.cpp",
        "src/cpu_allocator.cpp",
        "src/distributed.cpp",
        "src/distributed_autograd.cpp",
        "src/batchnorm_leaky.cpp",
        "src/maxpool2x2.cpp",
        "src/distributed_reducer.cpp",
        "src/script_objects.cpp",
        "src/nms.cpp",
        "src/resize_rgb.cpp",
        "src/decode_head.cpp",
        "src/nms_candidates.cpp"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # USE_DISTRIBUTED and USE_C10D_GLOO: libtorch's CMake sets them for its own
      # c10d headers (ProcessGroupGloo.hpp is empty without them); node-gyp does not.
      # Gloo's headers come from Debian's libgloo-dev.
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "USE_DISTRIBUTED", "USE_C10D_GLOO"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++1y", "-std=gnu++14"],
      "cflags_cc": ["-std=<(cxx_std)", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "conditions": [
        ["libtorch==''", {
          # shim/: the one header of c10d's reducer.hpp Debian does not ship (after /usr/include, so a real one wins).
          "include_dirs": ["/usr/include", "/usr/include/torch/csrc/api/include", "shim"],
          "libraries": ["-Wl,--no-as-needed", "-ltorch", "-ltorch_cpu", "-lc10"]
        }, {
          "include_dirs": ["<(libtorch)/include", "<(libtorch)/include/torch/csrc/api/include"],
          "libraries": ["-L<(libtorch)/lib", "-Wl,-rpath,<(libtorch)/lib", "-Wl,--no-as-needed", "-ltorch", "-ltorch_cpu", "-lc10"],
          "conditions": [
            ["libtorch_cuda==1", { "libraries": ["-ltorch_cuda", "-lc10_cuda"] }],
            ["libtorch_cuda==1 and nccl==1", {
              "defines": ["USE_C10D_NCCL"],
              "include_dirs": ["<!@(node libtorch_config.cjs cuda-includes)"]
            }]
          ]
        }],
        ["cxx11_abi!=''", { "defines": ["_GLIBCXX_USE_CXX11_ABI=<(cxx11_abi)"] }],
        ["gloo_include!=''", { "include_dirs": ["<(gloo_include)"] }],
        # oneDNN convolutions with fused activations (src/dnnl_conv.cpp) and blocked training ones
        # (src/dnnl_conv_train.cpp, src/batchnorm_leaky_blocked.cpp): only with Debian's
        # libtorch, which links the same libdnnl.so.2 (an official libtorch bundles its own
        # oneDNN, hidden); the headers are Debian's libdnnl-dev.
        ["libtorch=='' and dnnl==1", { "sources": ["src/dnnl_conv.cpp", "src/dnnl_conv_train.cpp", "src/batchnorm_leaky_blocked.cpp"], "libraries": ["-ldnnl"] }]
      ]
    }
  ]
}
