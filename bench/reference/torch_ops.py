"""PyTorch side of bench/engine.ts: times the same operators with the same
thread count and prints one JSON object of median seconds per case."""
import json
import sys

import torch

from timing import median_time  # bench/reference/timing.py (the script's folder is on sys.path)

spec = json.loads(sys.argv[1])
torch.set_num_threads(spec["threads"])
torch.manual_seed(0)


out = {}
for case in spec["cases"]:
    name, kind = case["name"], case["kind"]
    if kind == "matmul":
        n = case["n"]
        a, b = torch.randn(n, n), torch.randn(n, n)
        out[name] = median_time(lambda: torch.mm(a, b), case["repeats"])
        continue
    b_, cin, cout, k, hw = case["batch"], case["cin"], case["cout"], case["k"], case["hw"]
    x = torch.randn(b_, cin, hw, hw)
    w = torch.randn(cout, cin, k, k) * 0.01
    pad = k // 2
    if kind == "conv_forward":
        with torch.no_grad():
            out[name] = median_time(lambda: torch.nn.functional.conv2d(x, w, None, 1, pad), case["repeats"])
    else:
        xg = x.clone().requires_grad_(True)
        wg = w.clone().requires_grad_(True)
        gy = torch.randn(b_, cout, hw, hw)

        def step():
            xg.grad = None
            wg.grad = None
            torch.nn.functional.conv2d(xg, wg, None, 1, pad).backward(gy)

        out[name] = median_time(step, case["repeats"])
print(json.dumps(out))
