"""The hebbscope event schemas, read from the project's ``.avsc`` files, and Avro single-object encoding.

The ``.avsc`` files of ``schemas/src/main/avro`` are copied into this package (``hebbscope/avro``) when it is
built: nothing here is written by hand from them. Messages are Avro single-object encoded like the Java
``EventCodec`` writes them: the two magic bytes ``C3 01``, the schema's CRC-64-AVRO fingerprint of its Parsing
Canonical Form (8 bytes, little-endian), then the Avro binary body.

The canonical form and the fingerprint are computed here, per the Avro specification, because Debian's avro
1.11.1 keeps attributes such as ``avro.java.string`` in its canonical form, where Java drops them.
"""

from __future__ import annotations

import io
import json
import os
import struct
from importlib import resources
from typing import Any, Dict, Iterable, List, Optional, Tuple

import avro.io
import avro.name
import avro.schema

NAMESPACE = "io.hebbscope.schema"
MAGIC = b"\xc3\x01"
HEADER_LENGTH = 10

PRIMITIVES = frozenset(["null", "boolean", "int", "long", "float", "double", "bytes", "string"])
NAMED = frozenset(["record", "error", "enum", "fixed"])

# CRC-64-AVRO (the Avro specification's "Schema Fingerprints" section).
CRC64_EMPTY = 0xC15D213AA4D7A795


def _crc64_table() -> List[int]:
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (CRC64_EMPTY if fp & 1 else 0)
        table.append(fp)
    return table


_CRC64_TABLE = _crc64_table()


def crc64_avro(data: bytes) -> int:
    """The 64-bit Rabin fingerprint the Avro specification calls CRC-64-AVRO, as an unsigned int."""
    fp = CRC64_EMPTY
    table = _CRC64_TABLE
    for b in data:
        fp = (fp >> 8) ^ table[(fp ^ b) & 0xFF]
    return fp


def to_signed64(value: int) -> int:
    """The same 64 bits as Java's signed ``long`` (what ``SchemaNormalization.parsingFingerprint64`` returns)."""
    return value - (1 << 64) if value >= (1 << 63) else value


def _full_name(name: str, namespace: Optional[str]) -> str:
    if "." in name or not namespace:
        return name
    return namespace + "." + name


def _namespace_of(full: str) -> Optional[str]:
    return full.rsplit(".", 1)[0] if "." in full else None


def _quote(s: str) -> str:
    # [STRINGS]: literal UTF-8, only the escapes JSON needs.
    return json.dumps(s, ensure_ascii=False)


def parsing_canonical_form(schema: Any, named_types: Dict[str, Any], namespace: Optional[str] = None,
                           seen: Optional[set] = None) -> str:
    """The Parsing Canonical Form of ``schema`` (JSON data, as read from an .avsc file).

    ``named_types`` maps full names to the JSON definitions of named types defined in other files, so that a
    reference such as ``"Tensor"`` is inlined at its first use, exactly as in the self-contained schema Java
    fingerprints. Transformations, as the specification lists them: [PRIMITIVES] [FULLNAMES] [STRIP] [ORDER]
    [STRINGS] [INTEGERS] [WHITESPACE].
    """
    if seen is None:
        seen = set()
    if isinstance(schema, str):
        if schema in PRIMITIVES:
            return _quote(schema)
        full = _full_name(schema, namespace)
        if full in seen:
            return _quote(full)
        if full not in named_types:
            raise ValueError("unknown named type '%s'" % full)
        return parsing_canonical_form(named_types[full], named_types, _namespace_of(full), seen)
    if isinstance(schema, list):
        return "[" + ",".join(parsing_canonical_form(s, named_types, namespace, seen) for s in schema) + "]"
    if not isinstance(schema, dict):
        raise ValueError("not a schema: %r" % (schema,))
    kind = schema["type"]
    if isinstance(kind, (dict, list)):
        return parsing_canonical_form(kind, named_types, namespace, seen)
    if kind in PRIMITIVES:
        return _quote(kind)
    if kind in NAMED:
        full = _full_name(schema["name"], schema.get("namespace", namespace))
        if full in seen:
            return _quote(full)
        seen.add(full)
        inner = _namespace_of(full)
        parts = ['"name":' + _quote(full), '"type":' + _quote(kind)]
        if kind in ("record", "error"):
            fields = ",".join('{"name":' + _quote(f["name"]) + ',"type":'
                              + parsing_canonical_form(f["type"], named_types, inner, seen) + "}"
                              for f in schema["fields"])
            parts.append('"fields":[' + fields + "]")
        elif kind == "enum":
            parts.append('"symbols":[' + ",".join(_quote(s) for s in schema["symbols"]) + "]")
        else:
            parts.append('"size":' + str(int(schema["size"])))
        return "{" + ",".join(parts) + "}"
    if kind == "array":
        return '{"type":"array","items":' + parsing_canonical_form(schema["items"], named_types, namespace, seen) + "}"
    if kind == "map":
        return '{"type":"map","values":' + parsing_canonical_form(schema["values"], named_types, namespace, seen) + "}"
    # a reference written as {"type": "Name"}
    return parsing_canonical_form(kind, named_types, namespace, seen)


def _collect_named(schema: Any, namespace: Optional[str], into: Dict[str, Any]) -> None:
    """Records every named type defined inside ``schema`` (JSON) under its full name."""
    if isinstance(schema, list):
        for s in schema:
            _collect_named(s, namespace, into)
        return
    if not isinstance(schema, dict):
        return
    kind = schema.get("type")
    if isinstance(kind, (dict, list)):
        _collect_named(kind, namespace, into)
        return
    if kind in NAMED:
        full = _full_name(schema["name"], schema.get("namespace", namespace))
        into[full] = schema
        for f in schema.get("fields", []):
            _collect_named(f["type"], _namespace_of(full), into)
    elif kind == "array":
        _collect_named(schema["items"], namespace, into)
    elif kind == "map":
        _collect_named(schema["values"], namespace, into)


def avro_dir() -> str:
    """Where the packaged .avsc files are (``HEBBSCOPE_AVRO_DIR`` overrides, for working on the schemas)."""
    override = os.environ.get("HEBBSCOPE_AVRO_DIR")
    if override:
        return override
    return str(resources.files("hebbscope").joinpath("avro"))


class SchemaSet:
    """Every event schema of one directory of .avsc files, parsed with shared names like the Java build does."""

    def __init__(self, directory: Optional[str] = None):
        directory = directory or avro_dir()
        if not os.path.isdir(directory):
            raise FileNotFoundError("no Avro schemas at %s: the hebbscope package was built without its .avsc files"
                                    % directory)
        files = sorted(f for f in os.listdir(directory) if f.endswith(".avsc"))
        if not files:
            raise FileNotFoundError("no .avsc files in %s" % directory)
        self.directory = directory
        self.json: Dict[str, Any] = {}
        self.named_types: Dict[str, Any] = {}
        for f in files:
            with open(os.path.join(directory, f), encoding="utf-8") as fh:
                data = json.load(fh)
            full = _full_name(data["name"], data.get("namespace"))
            self.json[full] = data
            _collect_named(data, data.get("namespace"), self.named_types)
        self.schemas: Dict[str, avro.schema.Schema] = self._parse_all()
        self.canonical: Dict[str, str] = {n: parsing_canonical_form(self.json[n], self.named_types)
                                          for n in self.json}
        self.fingerprints: Dict[str, int] = {n: crc64_avro(c.encode("utf-8")) for n, c in self.canonical.items()}
        self._by_fingerprint: Dict[int, str] = {fp: n for n, fp in self.fingerprints.items()}
        self._writers = {n: avro.io.DatumWriter(s) for n, s in self.schemas.items()}
        # top-level fields with a default: a datum written for an older version of a schema (fields are only ever
        # added with a default) gets them, as Java's builders give them
        self._defaults: Dict[str, List[Tuple[str, Any]]] = {
            n: [(f.name, f.default) for f in s.fields if f.has_default]
            for n, s in self.schemas.items() if isinstance(s, avro.schema.RecordSchema)}
        self._readers: Dict[str, avro.io.DatumReader] = {}

    def _parse_all(self) -> Dict[str, avro.schema.Schema]:
        """Parses the files in dependency order (a file that names a type of another waits for it)."""
        names = avro.name.Names()
        parsed: Dict[str, avro.schema.Schema] = {}
        pending = list(self.json.items())
        while pending:
            left = []
            for full, data in pending:
                trial = avro.name.Names()  # a failed parse leaves half its names behind: parse on a copy
                trial.names = dict(names.names)
                try:
                    parsed[full] = avro.schema.make_avsc_object(data, trial)
                    names = trial
                except avro.errors.SchemaParseException as e:
                    left.append((full, data, e))
            if len(left) == len(pending):
                raise avro.errors.SchemaParseException("cannot resolve the schemas %s: %s"
                                                       % ([f for f, _, _ in left], left[0][2]))
            pending = [(f, d) for f, d, _ in left]
        return parsed

    def full_name(self, name: str) -> str:
        full = _full_name(name, NAMESPACE)
        if full not in self.schemas:
            raise KeyError("no schema %s in %s" % (full, self.directory))
        return full

    def fingerprint(self, name: str) -> int:
        """CRC-64-AVRO of the schema's Parsing Canonical Form, unsigned (``to_signed64`` gives Java's long)."""
        return self.fingerprints[self.full_name(name)]

    def header(self, name: str) -> bytes:
        return MAGIC + struct.pack("<Q", self.fingerprint(name))

    def encode(self, name: str, datum: Dict[str, Any], validate: bool = True) -> bytes:
        """Single-object encoding of ``datum`` as the event ``name`` (e.g. "LayerStep"); top-level fields the datum
        lacks take their schema default. ``validate=False`` skips
        avro's check of the whole datum against the schema (a third of the encoding time of a LayerStep), for
        data this package builds itself."""
        full = self.full_name(name)
        missing = [(k, v) for k, v in self._defaults.get(full, ()) if k not in datum]
        if missing:
            datum = dict(datum)
            datum.update(missing)
        out = io.BytesIO()
        out.write(self.header(full))
        writer = self._writers[full]
        if validate:
            writer.write(datum, avro.io.BinaryEncoder(out))
        else:
            writer.write_data(writer.writers_schema, datum, avro.io.BinaryEncoder(out))
        return out.getvalue()

    def type_of(self, message: bytes) -> str:
        if message is None or len(message) < HEADER_LENGTH or message[:2] != MAGIC:
            raise ValueError("not Avro single-object encoded (bad magic or shorter than %d bytes)" % HEADER_LENGTH)
        fp = struct.unpack("<Q", message[2:HEADER_LENGTH])[0]
        if fp not in self._by_fingerprint:
            raise ValueError("unknown schema fingerprint %016x" % fp)
        return self._by_fingerprint[fp]

    def decode(self, message: bytes) -> Tuple[str, Dict[str, Any]]:
        """(short type name, datum) of a single-object encoded message written with one of these schemas."""
        full = self.type_of(message)
        reader = self._readers.get(full)
        if reader is None:
            reader = self._readers[full] = avro.io.DatumReader(self.schemas[full])
        datum = reader.read(avro.io.BinaryDecoder(io.BytesIO(message[HEADER_LENGTH:])))
        return full.rsplit(".", 1)[-1], datum

    def names(self) -> Iterable[str]:
        return [n.rsplit(".", 1)[-1] for n in sorted(self.schemas)]


_DEFAULT: Optional[SchemaSet] = None


def default_schemas() -> SchemaSet:
    """The packaged schemas, parsed once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = SchemaSet()
    return _DEFAULT
