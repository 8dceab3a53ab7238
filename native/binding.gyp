# Builds the libtorch addon. libtorch is found in Debian's paths (package
# libtorch-dev) unless $LIBTORCH points at an official libtorch zip layout
# (include/, include/torch/csrc/api/include, lib/), e.g. a CUDA build.
{
  "variables": {
    "libtorch%": "<!(node -p \"process.env.LIBTORCH || ''\")",
    "libtorch_cuda%": "<!(node -p \"process.env.LIBTORCH && require('fs').existsSync(process.env.LIBTORCH + '/lib/libtorch_cuda.so') ? 1 : 0\")"
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
        "src/script_objects.cpp"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # USE_DISTRIBUTED and USE_C10D_GLOO: libtorch's CMake sets them for its own
      # c10d headers (ProcessGroupGloo.hpp is empty without them); node-gyp does not.
      # Gloo's headers come from Debian's libgloo-dev.
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "USE_DISTRIBUTED", "USE_C10D_GLOO"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++1y", "-std=gnu++14"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "conditions": [
        ["libtorch==''", {
          "include_dirs": ["/usr/include", "/usr/include/torch/csrc/api/include"],
          "libraries": ["-Wl,--no-as-needed", "-ltorch", "-ltorch_cpu", "-lc10"]
        }, {
          "include_dirs": ["<(libtorch)/include", "<(libtorch)/include/torch/csrc/api/include"],
          "libraries": ["-L<(libtorch)/lib", "-Wl,-rpath,<(libtorch)/lib", "-Wl,--no-as-needed", "-ltorch", "-ltorch_cpu", "-lc10"],
          "conditions": [
            ["libtorch_cuda==1", { "libraries": ["-ltorch_cuda", "-lc10_cuda"] }]
          ]
        }]
      ]
    }
  ]
}
