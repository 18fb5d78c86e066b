"""Reading an input: each kind held to its own cap, nothing read into a buffer sized for a cap,
and a JSON file's door chosen from the whole parsed document."""

import io
import json
import os

import pytest
from click.testing import CliRunner

from archcalc.cli import cli
from archcalc.errors import SpecError
from archcalc.frontends import choose_door, read_source
from archcalc.frontends.reading import MIB, read_input

from helpers import ROOT, SPECS

FIXTURES = ROOT / "tests" / "fixtures"


class CountingStream(io.RawIOBase):
    """An endless stream of one byte that counts what was asked of it (a /dev/zero)."""

    def __init__(self, byte=b"\0"):
        self.byte, self.given, self.largest_read = byte, 0, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        self.largest_read = max(self.largest_read, len(buffer))
        buffer[:] = self.byte * len(buffer)
        self.given += len(buffer)
        return len(buffer)


def test_an_endless_stream_is_refused_at_the_spec_cap(monkeypatch):
    stream = CountingStream()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(stream)))
    with pytest.raises(SpecError, match="larger than 16 MiB"):
        read_source("-")
    # 16 MiB and one byte are enough to know (plus what the buffer reads ahead), never 4 GiB,
    # and no single read asks for more than 1 MiB
    assert 16 * MIB < stream.given <= 17 * MIB and stream.largest_read <= MIB


@pytest.mark.parametrize("name, size, cap, message", [
    # sparse files: their size is known without reading them, and they are refused unread
    ("big.yaml", 17 * MIB, None, "file is larger than 16 MiB (raise it with --max-file-size)"),
    ("config.json", 17 * MIB, None, "file is larger than 16 MiB (raise it with --max-file-size)"),
    ("model.onnx", 4096 * MIB + 1, None, "file is larger than 4096 MiB"),
    ("big.yaml", 33 * MIB, 32 * MIB, "file is larger than 32 MiB (raise it with --max-file-size)"),
])
def test_files_over_their_cap_are_refused_unread(tmp_path, monkeypatch, name, size, cap, message):
    path = tmp_path / name
    with open(path, "wb") as handle:
        handle.truncate(size)
    reads = []
    real_open = open

    class Counted:
        """A file handle that counts the bytes read through it."""

        def __init__(self, handle):
            self.handle, self.read_bytes = handle, 0

        def read(self, n=-1):
            data = self.handle.read(n)
            self.read_bytes += len(data)
            return data

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    def watched(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        if str(file) != str(path):
            return handle
        reads.append(Counted(handle))
        return reads[-1]
    monkeypatch.setattr("builtins.open", watched)
    with pytest.raises(SpecError) as caught:
        read_source(str(path), *([cap] if cap else []))
    assert caught.value.message == message
    assert all(handle.read_bytes <= 64 * 1024 for handle in reads)   # at most the head, to tell a model file


def test_a_model_file_on_standard_input_gets_the_model_cap(monkeypatch):
    data = (FIXTURES / "onnx" / "tiny_resnet.onnx").read_bytes()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    assert read_input("-", cap=100, is_model=lambda file, head: head[:1] == b"\x08") == ("<stdin>", data)


@pytest.mark.parametrize("text, door", [
    ('{"input": [4], "layers": ["relu"]}', "yaml"),          # a spec written as JSON
    ('\ufeff{"input": [4], "layers": ["relu"]}', "yaml"),
    ("{input: [4], layers: [relu]}", "yaml"),                # a YAML flow mapping, not JSON
    ('{"class_name": "Sequential", "config": {}}', "keras"),
    ('{"config": {}, "model_type": "gpt2"}', "huggingface"),
])
def test_the_door_of_json_comes_from_its_keys(text, door):
    assert choose_door("<stdin>", text.encode())[0] == door


def test_a_json_spec_in_utf16_on_standard_input():
    text = json.dumps({"input": [4], "layers": [{"type": "dense", "units": 3}]})
    result = CliRunner().invoke(cli, ["analyze", "-", "--format", "json"], input=text.encode("utf-16"))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["params"] == 4 * 3 + 3      # a 4 → 3 dense layer, by hand


def test_a_keras_model_json_in_utf16(tmp_path):
    original = FIXTURES / "keras" / "cnn.json"
    path = tmp_path / "cnn.json"
    path.write_bytes(original.read_text().encode("utf-16"))
    runs = [CliRunner().invoke(cli, ["analyze", str(p), "--format", "json"]) for p in (original, path)]
    assert [r.exit_code for r in runs] == [0, 0]
    assert json.loads(runs[0].stdout)["totals"] == json.loads(runs[1].stdout)["totals"]


def test_a_json_file_with_no_known_key_says_so(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    result = CliRunner().invoke(cli, ["analyze", str(path)])
    assert (result.exit_code, result.stderr) == (
        2, f"error: {path}: a JSON file that is neither a Hugging Face config.json (no 'model_type'), a Keras model "
           "JSON (no 'class_name') nor a spec (no 'layers')\n")


def test_specs_still_read_whole():
    _, data = read_source(str(SPECS / "resnet18.yaml"))
    assert data == (SPECS / "resnet18.yaml").read_bytes()
    assert os.path.getsize(SPECS / "resnet18.yaml") == len(data)


def test_a_model_file_beyond_the_spec_cap_is_mapped_not_read(tmp_path):
    # an ONNX file padded past 16 MiB: its first bytes say it is a model, so the model cap holds,
    # and its bytes come as a read-only map (the door copies out only what it keeps)
    import mmap
    data = (FIXTURES / "onnx" / "tiny_resnet.onnx").read_bytes() + b"\0" * (17 * MIB)
    path = tmp_path / "model.onnx"
    path.write_bytes(data)
    file, mapped = read_source(str(path))
    assert file == str(path) and isinstance(mapped, mmap.mmap) and mapped[:] == data
