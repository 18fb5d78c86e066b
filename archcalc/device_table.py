"""Devices: the shipped table (archcalc/data/devices.yaml), a user's own device from a small
YAML file or `peak_bf16=…,bandwidth=…,memory=…`, and the one loader every figure goes through.

Every peak a `Device` holds is dense (the table's 2:4-sparse figures are halved here), in FLOP/s
as an exact integer; bandwidth is bytes a second, memory bytes, both decimal as vendors print them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any, Mapping, NamedTuple

from .errors import UsageError, option
from .text import suggest

TABLE_VERSION = 1
# The table's peak names and the archcalc dtypes each serves (float32 layers run at the fp32
# peak, never tf32: PyTorch keeps float32 matrix products in full precision by default).
PEAK_NAMES = ("fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8", "int4")
DTYPE_PEAKS = {"float64": "fp64", "float32": "fp32", "bfloat16": "bf16", "float16": "fp16",
               "float8": "fp8", "int8": "int8", "int4": "int4"}
TERA, GIGA, MEGA = 10**12, 10**9, 10**6


class DeviceError(UsageError):
    """A device that cannot be read or used: an unknown name, a malformed figure, a missing peak."""


class Device(NamedTuple):
    name: str
    title: str
    peaks: tuple[tuple[str, int], ...]       # (peak name, dense FLOP/s), in PEAK_NAMES order
    bandwidth: int                           # bytes a second
    memory: int                              # bytes
    on_chip: int | None = None               # bytes of last-level on-chip cache, when stated
    source: str = ""

    def peak(self, dtype: str) -> int:
        """Dense FLOP/s for arithmetic in `dtype` (an archcalc dtype name); refused when the
        device has no unit for it."""
        wanted = DTYPE_PEAKS[dtype]
        for name, flops in self.peaks:
            if name == wanted:
                return flops
        have = ", ".join(name for name, _ in self.peaks)
        raise DeviceError(f"{option('device')} {self.name}: no {wanted} peak for {dtype} arithmetic (it has {have}); "
                          f"choose another --dtype, or give your own figure: --device peak_{wanted}=FLOPS,...")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "peaks": dict(self.peaks),
                "bandwidth_bytes_per_second": self.bandwidth, "memory_bytes": self.memory,
                "on_chip_bytes": self.on_chip, "source": self.source}


def _number(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise DeviceError(f"{what}: expected a number, got {str(value)[:40]!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise DeviceError(f"{what}: expected a number, got {str(value)[:40]!r}") from None
    if not number.is_finite() or number <= 0:
        raise DeviceError(f"{what}: expected a positive number, got {str(value)[:40]!r}")
    return number


def _scaled(value: Any, unit: int, what: str) -> int:
    return int(_number(value, what) * unit)


def _mapping(entry: Mapping[str, Any], key: str, name: str) -> Mapping[str, Any]:
    value = entry[key]
    if not isinstance(value, Mapping) or not value:
        raise DeviceError(f"device {name}: {key} must map peak names ({', '.join(PEAK_NAMES)}) to numbers")
    return value


def _table_peaks(name: str, entry: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    if "per_core_flops_per_cycle" in entry:        # a CPU socket: per core and cycle × cores × clock
        cores = _number(entry["cores"], f"{name}.cores")
        clock = _number(entry["max_clock_ghz"], f"{name}.max_clock_ghz") * GIGA
        printed = {peak: int(_number(per_cycle, f"{name}.{peak}") * cores * clock)
                   for peak, per_cycle in _mapping(entry, "per_core_flops_per_cycle", name).items()}
    else:
        sparse = entry.get("sparse", [])
        if not isinstance(sparse, list) or not all(isinstance(peak, str) for peak in sparse):
            raise DeviceError(f"device {name}: sparse must list peak names, e.g. [bf16, int8]")
        printed = {peak: _scaled(tflops, TERA, f"{name}.{peak}") // (2 if peak in sparse else 1)
                   for peak, tflops in _mapping(entry, "peaks_tflops", name).items()}
    unknown = printed.keys() - set(PEAK_NAMES)
    if unknown:
        raise DeviceError(f"device {name}: unknown peak {sorted(unknown)[0]} (use {', '.join(PEAK_NAMES)})")
    return tuple((peak, printed[peak]) for peak in PEAK_NAMES if peak in printed)


def _table_bandwidth(name: str, entry: Mapping[str, Any]) -> int:
    if "memory_channels" in entry:                 # channels × transfers a second × 8 bytes a transfer
        channels = _number(entry["memory_channels"], f"{name}.memory_channels")
        return int(channels * _number(entry["memory_mt_s"], f"{name}.memory_mt_s") * MEGA * 8)
    return _scaled(entry["bandwidth_gb_s"], GIGA, f"{name}.bandwidth_gb_s")


def device_from_entry(name: str, entry: Mapping[str, Any]) -> Device:
    """One table entry (or a user's YAML file, which has the same keys) as a Device."""
    if not isinstance(entry, Mapping):
        raise DeviceError(f"device {name}: expected a mapping of figures")
    try:
        on_chip = entry.get("on_chip_mb")
        return Device(name=name, title=str(entry.get("title", name)), peaks=_table_peaks(name, entry),
                      bandwidth=_table_bandwidth(name, entry),
                      memory=_scaled(entry["memory_gb"], GIGA, f"{name}.memory_gb"),
                      on_chip=None if on_chip is None else _scaled(on_chip, MEGA, f"{name}.on_chip_mb"),
                      source=str(entry.get("source", "")))
    except KeyError as exc:
        raise DeviceError(f"device {name}: missing {exc.args[0]}") from None


@lru_cache(maxsize=1)
def shipped_devices() -> tuple[Device, ...]:
    """The table shipped with archcalc, read once."""
    import yaml
    text = resources.files("archcalc").joinpath("data/devices.yaml").read_text(encoding="utf-8")
    # libyaml's safe loader when pyyaml was built with it: a third of the pure-Python one's time
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if data.get("version") != TABLE_VERSION:      # a bug of ours, never the user's
        raise AssertionError(f"device table version {data.get('version')}, this archcalc reads {TABLE_VERSION}")
    return tuple(device_from_entry(name, entry) for name, entry in data["devices"].items())


def find_device(name: str) -> Device:
    for device in shipped_devices():
        if device.name == name.lower():
            return device
    names = [d.name for d in shipped_devices()]
    starting = [n for n in names if n.startswith(name.lower() + "-")]     # h100: h100-sxm or h100-pcie?
    hint = f" (which one: {', '.join(starting)}?)" if starting else suggest(name.lower(), names)
    raise DeviceError(f"{option('device')}: no device named {name[:60]!r}{hint}" +
                      " (archcalc devices lists them; or give peak_bf16=FLOPS,bandwidth=B/s,memory=BYTES)")


def _from_pairs(text: str) -> Device:
    """`peak_bf16=989T,bandwidth=3.35T,memory=80GB`: SI suffixes as on the rest of the command line."""
    from .units import parse_quantity
    peaks, figures = {}, {}
    for item in text.split(","):
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not value:
            raise DeviceError(f"{option('device')}: expected NAME=VALUE pairs, got {item[:40]!r}")
        try:
            number = parse_quantity(value, memory=key == "memory")
        except UsageError as exc:
            raise DeviceError(f"{option('device')}: {key}: {exc}") from None
        if number <= 0:
            raise DeviceError(f"{option('device')}: {key} must be positive")
        if key.startswith("peak_") and key[5:] in PEAK_NAMES:
            peaks[key[5:]] = number
        elif key in ("bandwidth", "memory"):
            figures[key] = number
        else:
            raise DeviceError(f"{option('device')}: unknown figure {key[:40]!r} (use peak_<{'|'.join(PEAK_NAMES)}>, "
                              "bandwidth, memory)")
    missing = [k for k in ("bandwidth", "memory") if k not in figures] + ([] if peaks else ["a peak_<dtype>"])
    if missing:
        raise DeviceError(f"{option('device')}: missing {', '.join(missing)}")
    return Device(name="custom", title="your device", peaks=tuple((p, peaks[p]) for p in PEAK_NAMES if p in peaks),
                  bandwidth=figures["bandwidth"], memory=figures["memory"], source="--device")


def _from_file(path: str) -> Device:
    import yaml
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise DeviceError(f"{option('device')}: cannot read {path}: {str(exc)[:120]}") from None
    name = str(data.get("name", path)) if isinstance(data, Mapping) else path
    try:
        return device_from_entry(name, data)
    except DeviceError as exc:                   # said of the file the user named
        raise DeviceError(f"{option('device')} {path}: {exc}") from None


def parse_device(text: str) -> Device:
    """What --device takes: a table name, a YAML file (.yaml/.yml), or NAME=VALUE figures."""
    if "=" in text:
        return _from_pairs(text)
    if text.endswith((".yaml", ".yml")):
        return _from_file(text)
    return find_device(text)
