"""The device table and its one loader (archcalc/device_table.py): every figure as the vendor prints
it, dense, decimal; a user's device from figures or a YAML file; refusals."""

import re
from pathlib import Path

import pytest

from archcalc.device_table import Device, DeviceError, find_device, parse_device, shipped_devices

PACKAGE = Path(__file__).resolve().parents[1] / "archcalc"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "devices.md"
T = 10**12


# (device, dtype, dense FLOP/s, where the figure comes from). Each expected value is the vendor's
# printed figure, halved where the vendor prints it "with sparsity".
PEAKS = [
    ("h100-sxm", "bfloat16", 1979 * T // 2, "H100 datasheet, SXM: BF16 1,979 TFLOPS with sparsity"),
    ("h100-sxm", "float8", 3958 * T // 2, "H100 datasheet, SXM: FP8 3,958 TFLOPS with sparsity"),
    ("h100-sxm", "float32", 67 * T, "H100 datasheet, SXM: FP32 67 TFLOPS (no sparsity)"),
    ("h100-pcie", "bfloat16", 1513 * T // 2, "H100 datasheet, PCIe: BF16 1,513 TFLOPS with sparsity"),
    ("h200", "bfloat16", 1979 * T // 2, "H200 datasheet, SXM: BF16 1,979 TFLOPS with sparsity"),
    ("a100-80gb", "bfloat16", 312 * T, "A100 datasheet: BF16 312 TFLOPS dense (624 with sparsity)"),
    ("a100-40gb", "int8", 624 * T, "A100 datasheet: INT8 624 TOPS dense"),
    ("l4", "float8", 485 * T // 2, "L4 datasheet: FP8 485 TFLOPS with sparsity"),
    ("t4", "float16", 65 * T, "T4 datasheet: mixed precision FP16/FP32 65 TFLOPS"),
    # The consumer-card trap: FP16 with FP32 accumulate runs at half the FP16-accumulate rate.
    ("rtx-4090", "float16", 1652 * T // 10, "Ada whitepaper: FP16 tensor, FP32 accumulate 165.2 dense (330.3 FP16 acc.)"),
    ("rtx-3090", "bfloat16", 71 * T, "GA102 whitepaper: BF16 tensor, FP32 accumulate 71 dense"),
    ("jetson-agx-orin", "int8", 170 * T // 2, "Jetson AGX Orin brief: GPU 170 INT8 TOPS sparse"),
    ("m1-max", "float32", 104 * T // 10, "Apple: M1 Max 10.4 TFLOPS"),
    # One socket: 56 cores × 1,024 BF16 FLOPs a cycle (AMX) × 3.8 GHz, never two sockets.
    ("xeon-8480", "bfloat16", 56 * 1024 * 38 * 10**8, "Intel ARK and optimization manual"),
]


@pytest.mark.parametrize("name, dtype, flops, source", PEAKS, ids=[f"{p[0]}-{p[1]}" for p in PEAKS])
def test_each_peak_is_the_vendors_dense_figure(name, dtype, flops, source):
    assert find_device(name).peak(dtype) == flops


# (device, bytes a second, bytes): decimal units as printed, GB/s never GiB/s.
MEMORY = [("h100-sxm", 3_350 * 10**9, 80 * 10**9), ("h200", 4_800 * 10**9, 141 * 10**9),
          ("a100-80gb", 2_039 * 10**9, 80 * 10**9), ("a100-40gb", 1_555 * 10**9, 40 * 10**9),
          ("l4", 300 * 10**9, 24 * 10**9), ("t4", 320 * 10**9, 16 * 10**9),
          ("rtx-4090", 1_008 * 10**9, 24 * 10**9), ("jetson-agx-orin", 2048 * 10**8, 64 * 10**9),
          # 8 channels of DDR5-4800, 8 bytes a transfer (one socket)
          ("xeon-8480", 8 * 4800 * 10**6 * 8, 4096 * 10**9)]


@pytest.mark.parametrize("name, bandwidth, memory", MEMORY, ids=[m[0] for m in MEMORY])
def test_bandwidth_and_memory_are_decimal(name, bandwidth, memory):
    device = find_device(name)
    assert (device.bandwidth, device.memory) == (bandwidth, memory)


def test_the_issue_asks_for_these_devices_at_least():
    names = {d.name for d in shipped_devices()}
    assert {"h100-sxm", "h100-pcie", "h200", "a100-80gb", "a100-40gb", "l4", "t4", "rtx-4090", "rtx-3090",
            "jetson-agx-orin", "m1-max", "xeon-8480"} <= names


def test_every_device_has_a_source_and_a_docs_entry():
    docs = DOCS.read_text(encoding="utf-8")
    for device in shipped_devices():
        assert device.source and device.peaks and device.bandwidth > 0 and device.memory > 0, device.name
        assert f"`{device.name}`" in docs, f"docs/devices.md does not list {device.name}"


def test_one_loader_reads_the_table():
    readers = [p for p in PACKAGE.rglob("*.py") if "devices.yaml" in p.read_text(encoding="utf-8")]
    assert [p.name for p in readers] == ["device_table.py"]


def test_a_missing_unit_is_refused_not_guessed():
    with pytest.raises(DeviceError, match=r"no bf16 peak for bfloat16.*it has fp32, fp16, int8, int4"):
        find_device("t4").peak("bfloat16")


def test_figures_on_the_command_line():
    device = parse_device("peak_bf16=989.5T,bandwidth=3.35T,memory=80GB")
    assert device == Device(name="custom", title="your device", peaks=(("bf16", 989_500_000_000_000),),
                            bandwidth=3_350_000_000_000, memory=80_000_000_000, source="--device")


@pytest.mark.parametrize("text, message", [
    ("peak_bf16=1T,bandwidth=1T", "missing memory"),
    ("bandwidth=1T,memory=1GB", "missing a peak_<dtype>"),
    ("peak_bf17=1T,bandwidth=1T,memory=1GB", "unknown figure 'peak_bf17'"),
    ("peak_bf16=1T,bandwidth,memory=1GB", "expected NAME=VALUE pairs"),
    ("peak_bf16=fast,bandwidth=1T,memory=1GB", "peak_bf16: malformed number"),
    ("peak_bf16=0,bandwidth=1T,memory=1GB", "peak_bf16 must be positive"),
    ("h100", "no device named 'h100' (which one: h100-sxm, h100-pcie?)"),
    ("h100-sx", "no device named 'h100-sx' (did you mean 'h100-sxm'?)"),
    ("missing.yaml", "cannot read missing.yaml"),
])
def test_bad_devices_are_refused(text, message):
    with pytest.raises(DeviceError, match=re.escape(message)):
        parse_device(text)


def test_a_device_file(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\npeaks_tflops: {bf16: 100, int8: 400}\nsparse: [int8]\n"
                    "bandwidth_gb_s: 500\nmemory_gb: 32\n")
    device = parse_device(str(path))
    assert (device.name, device.peaks, device.bandwidth, device.memory) == \
        ("mine", (("bf16", 100 * T), ("int8", 200 * T)), 500 * 10**9, 32 * 10**9)



@pytest.mark.parametrize("text, message", [
    ("peaks_tflops: {bf16: 100}\nbandwidth_gb_s: 500\n", "device mine: missing memory_gb"),
    ("peaks_tflops: [100]\nbandwidth_gb_s: 500\nmemory_gb: 1\n", "peaks_tflops must map peak names"),
    ("peaks_tflops: {bf16: 100}\nsparse: bf16\nbandwidth_gb_s: 500\nmemory_gb: 1\n", "sparse must list"),
    ("peaks_tflops: {bf17: 100}\nbandwidth_gb_s: 500\nmemory_gb: 1\n", "unknown peak bf17"),
    ("peaks_tflops: {bf16: -1}\nbandwidth_gb_s: 500\nmemory_gb: 1\n", "mine.bf16: expected a positive number"),
    ("peaks_tflops: {bf16: 1}\nbandwidth_gb_s: [1]\nmemory_gb: 1\n", "mine.bandwidth_gb_s: expected a number"),
    ("per_core_flops_per_cycle: {fp32: 64}\nmax_clock_ghz: 3\nmemory_channels: 8\nmemory_mt_s: 4800\n"
     "memory_gb: 1\n", "device mine: missing cores"),
])
def test_bad_device_files_are_refused_naming_the_file(tmp_path, text, message):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\n" + text)
    with pytest.raises(DeviceError, match=re.escape(message)) as caught:
        parse_device(str(path))
    assert str(caught.value).startswith(f"device {path}: ")          # as a Python caller names the setting
