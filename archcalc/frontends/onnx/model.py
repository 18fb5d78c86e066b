"""An ONNX file's records read from its bytes: the graph, the nodes and their attributes,
the inputs' shapes, and the initializers' names, types and dims — never their data.

The field numbers are onnx.proto's (ModelProto, GraphProto, NodeProto, AttributeProto,
TensorProto, ValueInfoProto and TypeProto.Tensor, TensorShapeProto, OperatorSetIdProto); the
records keep that schema's field names, so the door reads them as it would the onnx
package's messages. A tensor's data is kept as where it lies in the buffer (`Span`,
`Values`): its length is known without reading it, and only a small tensor's values are
ever decoded. Subgraphs (If, Loop) and everything else the door does not use are skipped by
their length, so no depth of nesting is ever followed.
"""

from __future__ import annotations

import mmap
import struct
from typing import Iterator

from .wire import BYTES, FIXED32, FIXED64, VARINT, Buffer, Unreadable, count_varints, expect, fields, fixed, signed, text, varints

MAX_RECORDS = 1 << 20       # nodes, names, attributes, dims… a file may hold (each costs memory)
KEEP = 1 << 16              # values of an unpacked list kept for reading; beyond, only counted
RELEASE = 4 << 20           # bytes of a memory-mapped file read past before its pages are let go
SMALL_BYTES = 64 << 10      # a tensor's data up to this size is copied out as the reader passes it


class Reader:
    """Reads one buffer, counting the records it makes against MAX_RECORDS."""
    __slots__ = ("buf", "records", "released")

    def __init__(self, buf: Buffer) -> None:
        self.buf, self.records, self.released = buf, 0, 0

    def release(self, upto: int) -> None:
        """Lets go of the pages of a memory-mapped file before `upto` that reading has passed:
        the kernel maps pages around each one read (fault-around, large folios), so without
        this the file's weights would count in the process's memory as the reading crosses them."""
        upto -= upto % mmap.PAGESIZE
        if isinstance(self.buf, mmap.mmap) and upto - self.released >= RELEASE and hasattr(mmap, "MADV_DONTNEED"):
            self.buf.madvise(mmap.MADV_DONTNEED, self.released, upto - self.released)
            self.released = upto

    def made(self, n: int = 1) -> None:
        self.records += n
        if self.records > MAX_RECORDS:
            raise Unreadable(f"more than {MAX_RECORDS:,} records (nodes, names, dims, attributes)")

    def text(self, start: int, stop: int, what: str) -> str:
        self.made()
        return text(self.buf, start, stop, what)

    def ints(self, kind: int, value: int, start: int, stop: int) -> list[int]:
        """A repeated int64 field's values: one (unpacked) or a packed run."""
        if kind == VARINT:
            self.made()
            return [signed(value)]
        expect(kind, BYTES, 0, "list of integers")
        found = [signed(v) for v in varints(self.buf, start, stop)]
        self.made(len(found))
        return found


class Span:
    """Bytes of the buffer, known by position: `len()` without reading them, `bytes()` reads them.
    A small run is copied out when read (`small`): a weight's stays where it lies."""
    __slots__ = ("buf", "start", "stop")

    def __init__(self, buf: Buffer = b"", start: int = 0, stop: int = 0):
        self.buf, self.start, self.stop = buf, start, stop

    def __len__(self) -> int:
        return self.stop - self.start

    def __bytes__(self) -> bytes:
        return bytes(self.buf[self.start:self.stop])

    @classmethod
    def small(cls, buf: Buffer, start: int, stop: int) -> "Span":
        if stop - start <= SMALL_BYTES:
            return cls(bytes(buf[start:stop]), 0, stop - start)
        return cls(buf, start, stop)


class Values:
    """A repeated numeric field of a tensor, packed runs and single values as the file has
    them: counted as read, decoded only when iterated (a small tensor's)."""
    __slots__ = ("buf", "form", "runs", "single", "count")

    def __init__(self, buf: Buffer, form: str):
        self.buf, self.form = buf, form       # form: 'f', 'd', 'Q' (fixed) or 'v' / 'u' (signed / unsigned varints)
        self.runs: list[Span] = []
        self.single: list[int | bytes] = []      # a varint's value, or a fixed value's bytes
        self.count = 0

    def add(self, kind: int, value: int, start: int, stop: int) -> None:
        wanted = VARINT if self.form in "vu" else FIXED32 if self.form == "f" else FIXED64
        if kind == BYTES:
            self.runs.append(Span.small(self.buf, start, stop))
            if self.form in "vu":
                self.count += count_varints(self.buf, start, stop)
            else:
                size = struct.calcsize(self.form)
                if (stop - start) % size:
                    raise Unreadable(f"a packed list of {stop - start} bytes at byte {start} is not whole "
                                     f"{size}-byte values")
                self.count += (stop - start) // size
            return
        expect(kind, wanted, 0, "tensor's values")
        self.count += 1
        if len(self.single) < KEEP:
            self.single.append(value if kind == VARINT else bytes(self.buf[start:stop]))

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[float]:     # ints for the 'v', 'u' and 'Q' forms
        out: list[float] = []
        for run in self.runs:
            if self.form in "vu":
                found = varints(run.buf, run.start, run.stop)
                out.extend(signed(v) for v in found) if self.form == "v" else out.extend(found)
            else:
                out.extend(fixed(run.buf, run.start, run.stop, self.form))
        for item in self.single:
            if isinstance(item, bytes):
                out.append(struct.unpack(f"<{self.form}", item)[0])
            else:
                out.append(signed(item) if self.form == "v" else item)
        return iter(out)


class Tensor:
    __slots__ = ("name", "dims", "data_type", "raw_data", "float_data", "int32_data", "int64_data",
                 "double_data", "uint64_data", "string_data", "data_location", "external_data")
    name: str
    dims: list[int]
    data_type: int
    raw_data: Span
    float_data: Values
    int32_data: Values
    int64_data: Values
    double_data: Values
    uint64_data: Values
    string_data: list[Span]
    data_location: int
    external_data: list[tuple[int, int]]


class Attribute:
    __slots__ = ("name", "type", "f", "i", "s", "t", "floats", "ints", "strings")
    name: str
    type: int
    f: float
    i: int
    s: bytes
    t: Tensor | None
    floats: list[float]
    ints: list[int]
    strings: list[bytes]


class Node:
    __slots__ = ("input", "output", "name", "op_type", "domain", "attribute")
    input: list[str]
    output: list[str]
    name: str
    op_type: str
    domain: str
    attribute: list[Attribute]


class Dim:
    __slots__ = ("dim_value", "dim_param")
    dim_value: int
    dim_param: str


class Shape:
    __slots__ = ("dim",)
    dim: list[Dim]


class TensorType:
    __slots__ = ("elem_type", "shape")
    elem_type: int
    shape: Shape


class Type:
    __slots__ = ("tensor_type",)
    tensor_type: TensorType


class ValueInfo:
    __slots__ = ("name", "type")
    name: str
    type: Type


class Graph:
    __slots__ = ("name", "node", "initializer", "input", "output")
    name: str
    node: list[Node]
    initializer: list[Tensor]
    input: list[ValueInfo]
    output: list[ValueInfo]


class OpsetId:
    __slots__ = ("domain", "version")
    domain: str
    version: int


class Model:
    __slots__ = ("ir_version", "producer_name", "producer_version", "opset_import", "graph")
    ir_version: int
    producer_name: str
    producer_version: str
    opset_import: list[OpsetId]
    graph: Graph


def read_model(buf: Buffer) -> Model:
    """The model in `buf` (bytes, or an mmap of the file): `Unreadable` when it is not one."""
    r = Reader(buf)
    model = Model()
    model.ir_version, model.producer_name, model.producer_version = 0, "", ""
    model.opset_import = []
    graph = None
    for number, kind, a, b in fields(buf, 0, len(buf)):
        if number == 1:
            expect(kind, VARINT, number, "ModelProto")
            model.ir_version = signed(a)
        elif number in (2, 3):
            expect(kind, BYTES, number, "ModelProto")
            value = r.text(a, b, "the producer's name")
            if number == 2:
                model.producer_name = value
            else:
                model.producer_version = value
        elif number == 7:
            expect(kind, BYTES, number, "ModelProto")
            graph = _graph(r, a, b)
        elif number == 8:
            expect(kind, BYTES, number, "ModelProto")
            model.opset_import.append(_opset(r, a, b))
    if graph is None:
        raise Unreadable("it has no graph")
    model.graph = graph
    return model


def _opset(r: Reader, start: int, stop: int) -> OpsetId:
    r.made()
    opset = OpsetId()
    opset.domain, opset.version = "", 0
    for number, kind, a, b in fields(r.buf, start, stop):
        if number == 1:
            expect(kind, BYTES, number, "OperatorSetIdProto")
            opset.domain = r.text(a, b, "an opset's domain")
        elif number == 2:
            expect(kind, VARINT, number, "OperatorSetIdProto")
            opset.version = signed(a)
    return opset


def _graph(r: Reader, start: int, stop: int) -> Graph:
    graph = Graph()
    graph.name, graph.node, graph.initializer, graph.input, graph.output = "", [], [], [], []
    for number, kind, a, b in fields(r.buf, start, stop):
        if number not in (1, 2, 5, 11, 12):
            continue
        expect(kind, BYTES, number, "GraphProto")
        if number == 1:
            graph.node.append(_node(r, a, b))
        elif number == 2:
            graph.name = r.text(a, b, "the graph's name")
        elif number == 5:
            graph.initializer.append(_tensor(r, a, b))
            r.release(b)
        else:
            (graph.input if number == 11 else graph.output).append(_value_info(r, a, b))
    return graph


def _node(r: Reader, start: int, stop: int) -> Node:
    r.made()
    node = Node()
    node.input, node.output, node.attribute = [], [], []
    node.name = node.op_type = node.domain = ""
    for number, kind, a, b in fields(r.buf, start, stop):
        if number not in (1, 2, 3, 4, 5, 7):
            continue
        expect(kind, BYTES, number, "NodeProto")
        if number == 1:
            node.input.append(r.text(a, b, "a node's input"))
        elif number == 2:
            node.output.append(r.text(a, b, "a node's output"))
        elif number == 3:
            node.name = r.text(a, b, "a node's name")
        elif number == 4:
            node.op_type = r.text(a, b, "a node's op")
        elif number == 5:
            node.attribute.append(_attribute(r, a, b))
        else:
            node.domain = r.text(a, b, "a node's domain")
    return node


def _attribute(r: Reader, start: int, stop: int) -> Attribute:
    r.made()
    at = Attribute()
    at.name, at.type, at.f, at.i, at.s, at.t = "", 0, 0.0, 0, b"", None
    at.floats, at.ints, at.strings = [], [], []
    buf = r.buf
    for number, kind, a, b in fields(buf, start, stop):
        if number == 1:
            expect(kind, BYTES, number, "AttributeProto")
            at.name = r.text(a, b, "an attribute's name")
        elif number == 20:
            expect(kind, VARINT, number, "AttributeProto")
            at.type = signed(a)
        elif number == 2:
            expect(kind, FIXED32, number, "AttributeProto")
            at.f = struct.unpack_from("<f", buf, a)[0]
        elif number == 3:
            expect(kind, VARINT, number, "AttributeProto")
            at.i = signed(a)
        elif number == 4:
            expect(kind, BYTES, number, "AttributeProto")
            r.made()
            at.s = bytes(buf[a:b])
        elif number == 5:
            expect(kind, BYTES, number, "AttributeProto")
            at.t = _tensor(r, a, b)
        elif number == 7:
            if kind == FIXED32:
                at.floats.append(struct.unpack_from("<f", buf, a)[0])
            else:
                expect(kind, BYTES, number, "AttributeProto")
                at.floats.extend(fixed(buf, a, b, "f"))
            r.made(len(at.floats))
        elif number == 8:
            at.ints.extend(r.ints(kind, a, a, b))
        elif number == 9:
            expect(kind, BYTES, number, "AttributeProto")
            r.made()
            at.strings.append(bytes(buf[a:b]))
    return at


_VALUES = {4: ("float_data", "f"), 5: ("int32_data", "v"), 7: ("int64_data", "v"), 10: ("double_data", "d"),
           11: ("uint64_data", "u")}


def _tensor(r: Reader, start: int, stop: int) -> Tensor:
    r.made()
    buf = r.buf
    t = Tensor()
    t.name, t.dims, t.data_type, t.raw_data, t.data_location = "", [], 0, Span(), 0
    t.string_data, t.external_data = [], []
    for field, form in _VALUES.values():
        setattr(t, field, Values(buf, form))
    for number, kind, a, b in fields(buf, start, stop):
        if number == 1:
            t.dims.extend(r.ints(kind, a, a, b))
        elif number == 2:
            expect(kind, VARINT, number, "TensorProto")
            t.data_type = signed(a)
        elif number in _VALUES:
            getattr(t, _VALUES[number][0]).add(kind, a, a, b)
        elif number == 6:
            expect(kind, BYTES, number, "TensorProto")
            r.made()
            t.string_data.append(Span.small(buf, a, b))
        elif number == 8:
            expect(kind, BYTES, number, "TensorProto")
            t.name = r.text(a, b, "a tensor's name")
        elif number == 9:
            expect(kind, BYTES, number, "TensorProto")
            t.raw_data = Span.small(buf, a, b)      # a weight's bytes: located, never read
        elif number == 13:
            expect(kind, BYTES, number, "TensorProto")
            r.made()
            t.external_data.append((a, b))      # where the data would be: never looked at further
        elif number == 14:
            expect(kind, VARINT, number, "TensorProto")
            t.data_location = signed(a)
    return t


def _value_info(r: Reader, start: int, stop: int) -> ValueInfo:
    r.made()
    info = ValueInfo()
    info.name, info.type = "", Type()
    info.type.tensor_type = TensorType()
    info.type.tensor_type.elem_type, info.type.tensor_type.shape = 0, Shape()
    info.type.tensor_type.shape.dim = []
    for number, kind, a, b in fields(r.buf, start, stop):
        if number == 1:
            expect(kind, BYTES, number, "ValueInfoProto")
            info.name = r.text(a, b, "an input's name")
        elif number == 2:
            expect(kind, BYTES, number, "ValueInfoProto")
            for n2, k2, a2, b2 in fields(r.buf, a, b):
                if n2 == 1:                                   # TypeProto.tensor_type
                    expect(k2, BYTES, n2, "TypeProto")
                    _tensor_type(r, info.type.tensor_type, a2, b2)
    return info


def _tensor_type(r: Reader, tensor_type: TensorType, start: int, stop: int) -> None:
    for number, kind, a, b in fields(r.buf, start, stop):
        if number == 1:
            expect(kind, VARINT, number, "TypeProto.Tensor")
            tensor_type.elem_type = signed(a)
        elif number == 2:
            expect(kind, BYTES, number, "TypeProto.Tensor")
            for n2, k2, a2, b2 in fields(r.buf, a, b):
                if n2 == 1:                                   # TensorShapeProto.dim
                    expect(k2, BYTES, n2, "TensorShapeProto")
                    tensor_type.shape.dim.append(_dim(r, a2, b2))


def _dim(r: Reader, start: int, stop: int) -> Dim:
    r.made()
    dim = Dim()
    dim.dim_value, dim.dim_param = 0, ""
    for number, kind, a, b in fields(r.buf, start, stop):
        if number == 1:
            expect(kind, VARINT, number, "TensorShapeProto.Dimension")
            dim.dim_value = signed(a)
        elif number == 2:
            expect(kind, BYTES, number, "TensorShapeProto.Dimension")
            dim.dim_param = r.text(a, b, "a dimension's name")
    return dim
