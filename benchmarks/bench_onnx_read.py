"""Reading a large ONNX file: wall time and peak memory (RSS), whole process, medians.

    python benchmarks/bench_onnx_read.py [RUNS] [FILE]      (making the file needs the onnx package)

Without FILE, writes a ResNet-50-shaped file with the onnx package (the layers and weight
shapes of torchvision's resnet50 as its default export writes them, batchnorm folded into
the convolutions: 25,557,032 float32 weights, random values, about 100 MB) to the temporary
directory, once. Two runs are timed in fresh processes:

- `door`: the ONNX door alone on the memory-mapped file (`frontends.onnx.to_spec`), what
  this door costs whatever reads the file;
- `analyze`: `archcalc analyze FILE --format json`, end to end.
"""

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

DOOR = """
import mmap, sys
from archcalc.frontends.imported import ImportOptions
from archcalc.frontends.onnx import to_spec
with open(sys.argv[1], "rb") as handle:
    data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    to_spec(data, sys.argv[1], ImportOptions())
"""
# Runs `code` in a child, then prints the child's wall time and peak RSS (KiB on Linux).
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
seconds = time.perf_counter() - start
print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def resnet50(path: Path) -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(0)
    nodes, inits = [], []

    def conv(x, cin, cout, k, stride, name):
        w = numpy_helper.from_array(rng.standard_normal((cout, cin, k, k), dtype=np.float32), f"{name}.w")
        b = numpy_helper.from_array(rng.standard_normal(cout, dtype=np.float32), f"{name}.b")
        inits.extend([w, b])
        nodes.append(helper.make_node("Conv", [x, w.name, b.name], [name], name=name, kernel_shape=[k, k],
                                      strides=[stride, stride], pads=[k // 2] * 4))
        return name

    def relu(x):
        nodes.append(helper.make_node("Relu", [x], [x + ".relu"], name=x + ".relu"))
        return x + ".relu"

    x = relu(conv("input", 3, 64, 7, 2, "conv1"))
    nodes.append(helper.make_node("MaxPool", [x], ["pool"], name="pool", kernel_shape=[3, 3], strides=[2, 2],
                                  pads=[1, 1, 1, 1]))
    x, cin = "pool", 64
    for stage, (width, blocks, stride) in enumerate([(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]):
        for block in range(blocks):
            name = f"layer{stage + 1}.{block}"
            s = stride if block == 0 else 1
            y = relu(conv(x, cin, width, 1, 1, f"{name}.conv1"))
            y = relu(conv(y, width, width, 3, s, f"{name}.conv2"))
            y = conv(y, width, width * 4, 1, 1, f"{name}.conv3")
            short = conv(x, cin, width * 4, 1, s, f"{name}.down") if block == 0 else x
            nodes.append(helper.make_node("Add", [y, short], [f"{name}.add"], name=f"{name}.add"))
            x, cin = relu(f"{name}.add"), width * 4
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"], name="gap"))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="flatten"))
    inits += [numpy_helper.from_array(rng.standard_normal((1000, 2048), dtype=np.float32), "fc.w"),
              numpy_helper.from_array(rng.standard_normal(1000, dtype=np.float32), "fc.b")]
    nodes.append(helper.make_node("Gemm", ["flat", "fc.w", "fc.b"], ["output"], name="fc", transB=1))
    graph = helper.make_graph(nodes, "resnet50",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 224, 224])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1000])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="pytorch",
                              producer_version="2.5.0")
    onnx.save(model, str(path))


def measure(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median seconds and median peak MiB of `cmd`, each run in a fresh process."""
    times, peaks = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], check=True, capture_output=True, text=True)
        seconds, kib = out.stdout.split()
        times.append(float(seconds))
        peaks.append(int(kib) / 1024)
    return statistics.median(times), statistics.median(peaks)


def main(runs: int = 5, file: str | None = None) -> None:
    path = Path(file) if file else Path(tempfile.gettempdir()) / "archcalc_bench_resnet50.onnx"
    if not path.exists():
        resnet50(path)
    print(f"{path.name}: {os.path.getsize(path) / 2**20:.1f} MiB")
    for label, cmd in [("door (mmap + to_spec)", [sys.executable, "-c", DOOR, str(path)]),
                       ("archcalc analyze --format json", [sys.executable, "-m", "archcalc", "analyze", str(path),
                                                           "--format", "json"])]:
        seconds, mib = measure(cmd, runs)
        print(f"  {label:<34}{seconds:6.3f} s {mib:8.1f} MiB peak RSS")


if __name__ == "__main__":
    main(*(int(a) if i == 0 else a for i, a in enumerate(sys.argv[1:])))
