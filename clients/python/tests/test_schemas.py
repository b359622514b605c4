"""The packaged schemas, their Parsing Canonical Form and CRC-64-AVRO fingerprints, single-object encoding and
the tensor byte layout. That the fingerprints equal Java's SchemaNormalization.parsingFingerprint64 is checked
by the JUnit test PythonClientContractTest, which runs this package beside the Java schemas."""

import json
import struct

import numpy as np
import pytest

import hebbscope
from hebbscope import contract, schemas

EVENTS = ["RunStarted", "RunFinished", "StepMetrics", "LayerStep"]


@pytest.fixture(scope="module")
def ss():
    return hebbscope.default_schemas()


def test_crc64_of_nothing_is_the_empty_fingerprint():
    assert schemas.crc64_avro(b"") == schemas.CRC64_EMPTY


@pytest.mark.parametrize("primitive,java_fingerprint", [
    # the Avro project's share/test/data/schema-tests.txt, as Java's SchemaNormalization computes them
    ("null", 7195948357588979594),
    ("boolean", -6970731678124411036),
    ("int", 8247732601305521295),
    ("long", -3434872931120570953),
    ("float", 5583340709985441680),
    ("double", -8181574048448539266),
    ("bytes", 5746618253357095269),
    ("string", -8142146995180207161),
])
def test_primitive_fingerprints_are_the_spec_values(primitive, java_fingerprint):
    canonical = schemas.parsing_canonical_form({"type": primitive}, {})
    assert canonical == '"%s"' % primitive
    assert schemas.to_signed64(schemas.crc64_avro(canonical.encode())) == java_fingerprint


def test_canonical_form_strips_orders_and_qualifies():
    schema = {"type": "record", "name": "Outer", "namespace": "a.b", "doc": "gone", "aliases": ["x"],
              "fields": [
                  {"name": "e", "doc": "gone", "default": "B",
                   "type": {"type": "enum", "name": "E", "symbols": ["A", "B"], "default": "A"}},
                  {"name": "again", "type": "E"},
                  {"name": "m", "type": {"type": "map", "values": {"type": "string", "avro.java.string": "String"}}},
                  {"name": "f", "type": ["null", {"type": "fixed", "name": "c.F", "size": 4}]},
                  {"name": "l", "type": {"type": "array", "items": "long"}, "default": []},
              ]}
    assert schemas.parsing_canonical_form(schema, {}) == (
        '{"name":"a.b.Outer","type":"record","fields":['
        '{"name":"e","type":{"name":"a.b.E","type":"enum","symbols":["A","B"]}},'
        '{"name":"again","type":"a.b.E"},'
        '{"name":"m","type":{"type":"map","values":"string"}},'
        '{"name":"f","type":["null",{"name":"c.F","type":"fixed","size":4}]},'
        '{"name":"l","type":{"type":"array","items":"long"}}]}')


def test_named_types_of_other_files_are_inlined_at_their_first_use(ss):
    canonical = ss.canonical["io.hebbscope.schema.LayerStep"]
    assert canonical.count('"name":"io.hebbscope.schema.Tensor","type":"record"') == 1
    assert canonical.count('"name":"io.hebbscope.schema.DType","type":"enum"') == 1
    # the later uses are references by full name
    assert '"name":"hebbian","type":"io.hebbscope.schema.Tensor"' in canonical
    assert '["null","io.hebbscope.schema.Tensor"]' in canonical
    json.loads(canonical)


def test_every_project_schema_is_packaged_and_parses(ss):
    for name in EVENTS + ["Tensor", "NeuronAlignment", "LayerAlignment", "PhaseEvent", "DeadLetter"]:
        assert ss.fingerprint(name) > 0
    assert len(set(ss.fingerprints.values())) == len(ss.fingerprints)


def test_single_object_header_is_magic_then_little_endian_fingerprint(ss):
    msg = ss.encode("RunFinished", {"runId": "r", "finishedAtMs": 1, "steps": 2, "status": "completed",
                                    "finalTrainLoss": 0.5, "finalValidationLoss": None})
    assert msg[:2] == b"\xc3\x01"
    assert struct.unpack("<Q", msg[2:10])[0] == ss.fingerprint("RunFinished")
    assert ss.decode(msg) == ("RunFinished", {"runId": "r", "finishedAtMs": 1, "steps": 2, "status": "completed",
                                              "finalTrainLoss": 0.5, "finalValidationLoss": None})


def test_layer_step_round_trip(ss):
    g = np.arange(6, dtype=np.float32).reshape(2, 3)
    datum = {"runId": "r", "layer": "fc1", "layerIndex": 0, "step": 3, "previousStep": 2, "epoch": 0,
             "blockIndex": 1, "blockCount": 2, "rowOffset": 2, "layerRows": 4, "layerCols": 3,
             "gradient": contract.tensor(g), "signal": None, "hebbian": contract.tensor(-g),
             "update": contract.tensor(g * 0.5), "weights": contract.tensor(g, "BFLOAT16"), "timestampMs": 7,
             "weightNorm": 1.5, "outputSquareMean": contract.tensor(np.ones((2, 1), np.float32)), "withStats": False}
    name, back = ss.decode(ss.encode("LayerStep", datum))
    assert name == "LayerStep"
    assert back == datum
    np.testing.assert_array_equal(contract.tensor_values(back["hebbian"]), -g)
    np.testing.assert_array_equal(contract.tensor_values(back["weights"]), g)


def test_fields_a_datum_lacks_take_their_defaults(ss):
    g = np.ones((1, 2), np.float32)
    datum = {"runId": "r", "layer": "l", "layerIndex": 0, "step": 0, "previousStep": -1, "epoch": 0,
             "blockIndex": 0, "blockCount": 1, "rowOffset": 0, "layerRows": 1, "layerCols": 2,
             "gradient": contract.tensor(g), "hebbian": contract.tensor(g), "update": contract.tensor(g),
             "timestampMs": 1}
    for validate in (True, False):
        name, back = ss.decode(ss.encode("LayerStep", datum, validate=validate))
        assert (back["signal"], back["weights"], back["weightNorm"], back["outputSquareMean"], back["withStats"]) == \
            (None, None, -1.0, None, False)
    assert "withStats" not in datum  # the caller's datum is left as it was


def test_a_wrong_message_is_refused(ss):
    with pytest.raises(ValueError, match="magic"):
        ss.decode(b"\x00\x01" + bytes(10))
    with pytest.raises(ValueError, match="unknown schema fingerprint"):
        ss.decode(b"\xc3\x01" + bytes(8) + b"\x00")


def test_tensor_bytes_are_little_endian_row_major():
    t = contract.tensor(np.array([[1.0, -2.0], [0.5, 3.0]], dtype=np.float32))
    assert (t["rows"], t["cols"], t["dtype"]) == (2, 2, "FLOAT32")
    assert t["bytes"] == struct.pack("<4f", 1.0, -2.0, 0.5, 3.0)
    big = np.array([[1.0, 2.0]], dtype=">f4")  # a big-endian array is written little-endian all the same
    assert contract.tensor(big)["bytes"] == struct.pack("<2f", 1.0, 2.0)
    with pytest.raises(ValueError, match="needs 8 bytes"):
        contract.tensor_values({"dtype": "FLOAT32", "rows": 1, "cols": 2, "bytes": b"\x00" * 4})


def test_bfloat16_rounds_to_nearest_even_like_java():
    def bits(f):
        return int(contract.to_bfloat16_bits(np.array([f], dtype=np.float32))[0])

    assert bits(1.0) == 0x3F80
    assert bits(-2.0) == 0xC000
    one_and_half_ulp = struct.unpack("<f", struct.pack("<I", 0x3F808000))[0]  # exactly halfway, even below
    assert bits(one_and_half_ulp) == 0x3F80
    odd_half = struct.unpack("<f", struct.pack("<I", 0x3F818000))[0]  # halfway, odd below: rounds up
    assert bits(odd_half) == 0x3F82
    assert np.isnan(contract.from_bfloat16_bits(contract.to_bfloat16_bits(np.array([np.nan], np.float32))))[0]
    t = contract.tensor(np.array([[1.0, 3.0]], dtype=np.float32), "BFLOAT16")
    assert t["bytes"] == struct.pack("<2H", 0x3F80, 0x4040)


def test_unvalidated_encoding_writes_the_same_bytes(ss):
    g = np.ones((2, 2), np.float32)
    datum = {"runId": "r", "layer": "l", "layerIndex": 0, "step": 0, "previousStep": -1, "epoch": 0,
             "blockIndex": 0, "blockCount": 1, "rowOffset": 0, "layerRows": 2, "layerCols": 2,
             "gradient": contract.tensor(g), "signal": None, "hebbian": contract.tensor(g),
             "update": contract.tensor(g), "weights": None, "timestampMs": 1, "weightNorm": -1.0,
             "outputSquareMean": None}
    assert ss.encode("LayerStep", datum, validate=False) == ss.encode("LayerStep", datum)
    with pytest.raises(Exception):
        ss.encode("LayerStep", dict(datum, step="not a long"))
