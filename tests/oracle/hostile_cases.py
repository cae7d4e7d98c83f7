"""Builders for the hostile-file catalogue in docs/hostile-inputs.md.

Each builder takes the path of a good .pt2 (SimpleNetB exported by torch 2.13: conv, relu,
max_pool2d, mul by a bool buffer, two linear heads), a directory, and returns the path of
a damaged copy. test_hostile_table.py runs every row of the catalogue through them.
"""
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

from test_bad_input import EVIL_PKL, _rewrite

REPO = Path(__file__).resolve().parents[2]
LEGACY = REPO / "tests" / "data" / "legacy-pt2" / "conv_conv_linear.pt2"


def _edit_json(src, dst, fn, entry="models/model.json"):
    def edit(name, data):
        if name.endswith(entry):
            doc = json.loads(data)
            out = fn(doc)
            return out if isinstance(out, bytes) else json.dumps(doc).encode()
        return data
    return _rewrite(src, dst, edit)


def _nodes(doc):
    return doc["graph_module"]["graph"]["nodes"]


def _graph(doc):
    return doc["graph_module"]["graph"]


def _tensor_values(doc):
    return _graph(doc)["tensor_values"]


def _edit_weights_config(src, dst, fn):
    def edit(name, data):
        if name.endswith("model_weights_config.json"):
            doc = json.loads(data)
            fn(doc)
            return json.dumps(doc).encode()
        return data
    return _rewrite(src, dst, edit)


def _first_weight(doc):
    return next(iter(doc["config"].values()))


def random_bytes(src, d):
    p = d / "random_bytes.pt2"
    p.write_bytes(bytes((i * 7919 + 13) % 251 for i in range(4096)))
    return p


def text_file(src, d):
    p = d / "text_file.pt2"
    p.write_text("hello, not a model\n")
    return p


def empty_file(src, d):
    p = d / "empty_file.pt2"
    p.write_bytes(b"")
    return p


def truncated_half(src, d):
    p = d / "truncated_half.pt2"
    p.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    return p


def truncated_tail(src, d):
    p = d / "truncated_tail.pt2"
    p.write_bytes(src.read_bytes()[:-10])
    return p


def no_model_json(src, d):
    return _rewrite(src, d / "no_model_json.pt2",
                    lambda n, data: None if n.endswith("models/model.json") else data)


def malformed_json(src, d):
    return _edit_json(src, d / "malformed_json.pt2",
                      lambda doc: json.dumps(doc).encode()[:500])


def json_too_deep(src, d):
    return _edit_json(src, d / "json_too_deep.pt2",
                      lambda doc: b"[" * 5000 + b"]" * 5000)


def missing_graph_module(src, d):
    return _edit_json(src, d / "missing_graph_module.pt2", lambda doc: doc.pop("graph_module"))


def target_not_string(src, d):
    return _edit_json(src, d / "target_not_string.pt2",
                      lambda doc: _nodes(doc)[0].__setitem__("target", 5))


def inputs_not_list(src, d):
    return _edit_json(src, d / "inputs_not_list.pt2",
                      lambda doc: _nodes(doc)[0].__setitem__("inputs", "x"))


def unknown_argument_kind(src, d):
    return _edit_json(src, d / "unknown_argument_kind.pt2",
                      lambda doc: _nodes(doc)[0]["inputs"][0].__setitem__("arg", {"as_foo": 1}))


def unknown_schema_major(src, d):
    return _edit_json(src, d / "unknown_schema_major.pt2",
                      lambda doc: doc["schema_version"].__setitem__("major", 99))


def unknown_dtype(src, d):
    def fn(doc):
        next(iter(_tensor_values(doc).values()))["dtype"] = 99
    return _edit_json(src, d / "unknown_dtype.pt2", fn)


def rank_too_large(src, d):
    def fn(doc):
        t = next(iter(_tensor_values(doc).values()))
        t["sizes"] = [{"as_int": 1}] * 100
        t["strides"] = [{"as_int": 1}] * 100
    return _edit_json(src, d / "rank_too_large.pt2", fn)


def use_before_definition(src, d):
    """The first node reads the last node's output: a cycle / use before definition."""
    def fn(doc):
        nodes = _nodes(doc)
        nodes[0]["inputs"][0]["arg"] = {"as_tensor": {"name": nodes[-1]["outputs"][0]["as_tensor"]["name"]}}
    return _edit_json(src, d / "use_before_definition.pt2", fn)


def dangling_name(src, d):
    return _edit_json(src, d / "dangling_name.pt2", lambda doc: _nodes(doc)[1]["inputs"][0]
                      .__setitem__("arg", {"as_tensor": {"name": "nothing_defines_this"}}))


def duplicate_name(src, d):
    """Two nodes define the same value."""
    def fn(doc):
        nodes = _nodes(doc)
        nodes[1]["outputs"] = json.loads(json.dumps(nodes[0]["outputs"]))
    return _edit_json(src, d / "duplicate_name.pt2", fn)


def output_names_nothing(src, d):
    return _edit_json(src, d / "output_names_nothing.pt2", lambda doc: _graph(doc)["outputs"][0]
                      .__setitem__("as_tensor", {"name": "no_such_value"}))


def unknown_op(src, d):
    return _edit_json(src, d / "unknown_op.pt2", lambda doc: _nodes(doc)[0]
                      .__setitem__("target", "torch.ops.aten.not_an_op.default"))


def wrong_argument_type(src, d):
    """conv2d's stride given as a string."""
    def fn(doc):
        for a in _nodes(doc)[0]["inputs"]:
            if a["name"] == "weight":
                a["arg"] = {"as_string": "oops"}
    return _edit_json(src, d / "wrong_argument_type.pt2", fn)


def weight_shape_mismatch(src, d):
    """The placeholder says [6, 3, 5, 5]; the payload config says something else."""
    return _edit_weights_config(src, d / "weight_shape_mismatch.pt2", lambda doc: _first_weight(doc)
                                ["tensor_meta"].__setitem__("sizes", [{"as_int": 7}, {"as_int": 3},
                                                                      {"as_int": 5}, {"as_int": 5}]))


def stride_past_storage(src, d):
    return _edit_weights_config(src, d / "stride_past_storage.pt2", lambda doc: _first_weight(doc)
                                ["tensor_meta"].__setitem__("strides", [{"as_int": 1000000}, {"as_int": 25},
                                                                        {"as_int": 5}, {"as_int": 1}]))


def offset_past_storage(src, d):
    return _edit_weights_config(src, d / "offset_past_storage.pt2", lambda doc: _first_weight(doc)
                                ["tensor_meta"].__setitem__("storage_offset", {"as_int": 1 << 40}))


def payload_too_short(src, d):
    def edit(name, data):
        if name.endswith("weights/weight_0"):
            return data[: len(data) // 2]
        return data
    return _rewrite(src, d / "payload_too_short.pt2", edit)


def missing_payload(src, d):
    return _rewrite(src, d / "missing_payload.pt2",
                    lambda n, data: None if n.endswith("weights/weight_0") else data)


def bad_archive_format(src, d):
    return _rewrite(src, d / "bad_archive_format.pt2",
                    lambda n, data: b"torchscript" if n.endswith("archive_format") else data)


def evil_pickle_global(src, d):
    """A legacy state dict whose pickle calls os.system."""
    def edit(name, data):
        if name.endswith("serialized_state_dict.pt"):
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
                z.writestr("archive/data.pkl", EVIL_PKL)
                z.writestr("archive/version", "3\n")
            return buf.getvalue()
        return data
    return _rewrite(LEGACY, d / "evil_pickle_global.pt2", edit)


def pickle_too_deep(src, d):
    """Lists nested 10,000 deep in the legacy state dict pickle."""
    pkl = b"\x80\x02" + b"]" * 10000 + b"a" * 9999 + b"."
    def edit(name, data):
        if name.endswith("serialized_state_dict.pt"):
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
                z.writestr("archive/data.pkl", pkl)
                z.writestr("archive/version", "3\n")
            return buf.getvalue()
        return data
    return _rewrite(LEGACY, d / "pickle_too_deep.pt2", edit)


def zip_bomb_header(src, d):
    """A deflated entry that claims 4 GiB from a few hundred bytes."""
    p = d / "zip_bomb_header.pt2"
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            zo.writestr(info.filename, zi.read(info.filename))
    data = bytearray(buf.getvalue())
    # Patch the uncompressed size of the model JSON in both headers (zip32 fields).
    name = [n for n in zipfile.ZipFile(io.BytesIO(bytes(data))).namelist() if n.endswith("models/model.json")][0].encode()
    for sig, off_size in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            name_off = 30 if sig == b"PK\x03\x04" else 46
            n_len = struct.unpack_from("<H", data, i + (26 if sig == b"PK\x03\x04" else 28))[0]
            if bytes(data[i + name_off: i + name_off + n_len]) == name:
                struct.pack_into("<I", data, i + off_size, 0xFFFFFFF0)
            start = i + 4
    p.write_bytes(bytes(data))
    return p


def bad_deflate_stream(src, d):
    """A deflated model JSON whose compressed bytes are garbage."""
    p = d / "bad_deflate_stream.pt2"
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            zo.writestr(info.filename, zi.read(info.filename))
    data = bytearray(buf.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = [i for i in z.infolist() if i.filename.endswith("models/model.json")][0]
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 10, start + 60):
        data[k] ^= 0x5A
    p.write_bytes(bytes(data))
    return p


BUILDERS = {f.__name__: f for f in [
    random_bytes, text_file, empty_file, truncated_half, truncated_tail, no_model_json,
    malformed_json, json_too_deep, missing_graph_module, target_not_string, inputs_not_list,
    unknown_argument_kind, unknown_schema_major, unknown_dtype, rank_too_large,
    use_before_definition, dangling_name, duplicate_name, output_names_nothing, unknown_op,
    wrong_argument_type, weight_shape_mismatch, stride_past_storage, offset_past_storage,
    payload_too_short, missing_payload, bad_archive_format, evil_pickle_global, pickle_too_deep,
    zip_bomb_header, bad_deflate_stream]}
