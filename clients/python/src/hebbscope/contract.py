"""What a hebbscope producer must write, as the Java trainer writes it: topic names, record keys, names, the
tensor byte layout and the splitting of a layer into blocks of whole neuron rows.

Java sources this mirrors: ``schemas/.../Topics.java``, ``Keys.java``, ``TensorCodec.java``, ``TopicSetup.java``,
``UpdateSketch.java`` and ``trainer/.../publish/PublishPolicy.java``, ``StepEncoder.java``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterator, Tuple

import numpy as np

DEFAULT_PREFIX = "hebbscope"
_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}")
_PREFIX = re.compile(r"[A-Za-z0-9._-]+")

#: Records stay well under this; topics and producers are configured for it (TopicSetup.MAX_MESSAGE_BYTES).
MAX_MESSAGE_BYTES = 8 * 1024 * 1024
#: PublishPolicy.DEFAULT: blocks of at most about 512 KiB, snapshots every 1000 steps.
DEFAULT_MAX_BLOCK_BYTES = 512 * 1024
DEFAULT_SNAPSHOT_EVERY = 1000
#: Bytes of one neuron's row in a LayerStats block: 7 sums and E[h²], float64 (PublishPolicy.STATS_ROW_BYTES).
STATS_ROW_BYTES = 8 * 8
#: Sign matrices of the update sketch (UpdateSketch.SIZE).
SKETCH_SIZE = 32

DTYPES = ("FLOAT32", "BFLOAT16")
_BYTES_PER_VALUE = {"FLOAT32": 4, "BFLOAT16": 2, "FLOAT64": 8}


def require_valid_name(what: str, name: str) -> str:
    """Run ids and layer names: 1-128 letters, digits, '.', '_' or '-' (never '/', so keys split back)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError("%s '%s' must be 1-128 characters of letters, digits, '.', '_' or '-'" % (what, name))
    return name


class Topics:
    """The topic registry with its prefix, like ``io.hebbscope.schema.Topics``."""

    def __init__(self, prefix: str = DEFAULT_PREFIX):
        if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
            raise ValueError("topic prefix '%s' must be letters, digits, '.', '_' or '-'" % (prefix,))
        self.prefix = prefix

    @property
    def runs(self) -> str:
        return self.prefix + ".runs"

    @property
    def layer_steps(self) -> str:
        return self.prefix + ".layer-steps"

    @property
    def layer_stats(self) -> str:
        return self.prefix + ".layer-stats"

    @property
    def train_metrics(self) -> str:
        return self.prefix + ".train-metrics"

    @property
    def neuron_alignment(self) -> str:
        return self.prefix + ".neuron-alignment"

    @property
    def layer_alignment(self) -> str:
        return self.prefix + ".layer-alignment"

    @property
    def phases(self) -> str:
        return self.prefix + ".phases"

    @property
    def dead_letters(self) -> str:
        return self.prefix + ".dead-letters"

    def creation_specs(self, partitions: int) -> Dict[str, Tuple[int, Dict[str, str]]]:
        """name -> (partitions, topic config) of every topic, as ``TopicSetup.ensureTopics`` creates them."""
        if partitions < 1:
            raise ValueError("partitions must be >= 1, got %d" % partitions)
        big = {"max.message.bytes": str(MAX_MESSAGE_BYTES)}
        return {
            self.runs: (1, {"cleanup.policy": "compact"}),
            self.layer_steps: (partitions, big),
            self.train_metrics: (partitions, {}),
            self.neuron_alignment: (partitions, {}),
            self.layer_alignment: (partitions, {}),
            self.phases: (partitions, {}),
            self.dead_letters: (1, big),
            self.layer_stats: (partitions, big),
        }


def key_run_started(run_id: str) -> str:
    return run_id + "/started"


def key_run_finished(run_id: str) -> str:
    return run_id + "/finished"


def key_layer_block(run_id: str, layer: str, block: int) -> str:
    return "%s/%s/%d" % (run_id, layer, block)


def bytes_per_value(dtype: str) -> int:
    return _BYTES_PER_VALUE[dtype]


def rows_per_block(rows: int, cols: int, dtype: str = "FLOAT32", max_block_bytes: int = DEFAULT_MAX_BLOCK_BYTES) -> int:
    """Rows per block for a layer of ``cols`` inputs: five tensors (with a snapshot) per row must fit."""
    row_bytes = 5 * cols * bytes_per_value(dtype)
    return int(max(1, min(rows, max_block_bytes // row_bytes)))


def block_count(rows: int, per: int) -> int:
    return (rows + per - 1) // per


def blocks(rows: int, per: int) -> Iterator[Tuple[int, int, int]]:
    """(block index, first row, row count) of each block of whole rows."""
    for b in range(block_count(rows, per)):
        start = b * per
        yield b, start, min(rows, start + per) - start


def to_bfloat16_bits(values: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bits (uint16): round to nearest even on the dropped 16 bits, NaN stays NaN.
    ``TensorCodec.toBfloat16`` bit for bit."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounding = np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))
    rounded = ((bits.astype(np.uint64) + rounding) >> np.uint64(16)).astype(np.uint16)
    nan = np.isnan(values)
    if nan.any():
        rounded = np.where(nan, ((bits >> np.uint32(16)) | np.uint32(0x40)).astype(np.uint16), rounded)
    return rounded


def from_bfloat16_bits(bits: np.ndarray) -> np.ndarray:
    return (bits.astype(np.uint32) << np.uint32(16)).view(np.float32)


def tensor(values: np.ndarray, dtype: str = "FLOAT32") -> Dict[str, object]:
    """A ``Tensor`` record of a 2-d array: row-major, little-endian values in ``bytes``."""
    if values.ndim != 2:
        raise ValueError("a Tensor is a matrix, got shape %s" % (values.shape,))
    rows, cols = values.shape
    if dtype == "FLOAT32":
        data = np.ascontiguousarray(values, dtype="<f4").tobytes()
    elif dtype == "BFLOAT16":
        data = to_bfloat16_bits(values).astype("<u2").tobytes()
    elif dtype == "FLOAT64":
        data = np.ascontiguousarray(values, dtype="<f8").tobytes()
    else:
        raise ValueError("dtype must be one of FLOAT32, BFLOAT16, FLOAT64, not %r" % (dtype,))
    return {"dtype": dtype, "rows": int(rows), "cols": int(cols), "bytes": data}


def tensor_values(t: Dict[str, object]) -> np.ndarray:
    """The float64 values of a decoded ``Tensor`` record, rows x cols; checks the byte length."""
    dtype, rows, cols, data = t["dtype"], int(t["rows"]), int(t["cols"]), t["bytes"]
    expected = rows * cols * bytes_per_value(dtype)
    if len(data) != expected:
        raise ValueError("tensor %dx%d %s needs %d bytes but has %d" % (rows, cols, dtype, expected, len(data)))
    if dtype == "FLOAT32":
        v = np.frombuffer(data, dtype="<f4")
    elif dtype == "BFLOAT16":
        v = from_bfloat16_bits(np.frombuffer(data, dtype="<u2"))
    else:
        v = np.frombuffer(data, dtype="<f8")
    return v.astype(np.float64).reshape(rows, cols)


@dataclass(frozen=True)
class PublishPolicy:
    """What is published, as the Java trainer's ``PublishPolicy``: LayerSteps (the tensors) every ``every`` steps,
    0 for none (StepMetrics every step), weight snapshots on step 0 and every ``snapshot_every`` steps (a multiple of
    ``every``; none without tensors), the tensors' dtype, the block size, and LayerStats (per-neuron statistics)
    every ``stats_every`` steps, 0 for none; with both, ``every`` is a multiple of ``stats_every``."""

    every: int = 1
    snapshot_every: int = DEFAULT_SNAPSHOT_EVERY
    dtype: str = "FLOAT32"
    max_block_bytes: int = DEFAULT_MAX_BLOCK_BYTES
    stats_every: int = 0

    def __post_init__(self):
        if self.stats_every < 0:
            raise ValueError("stats every must be >= 0 (0: no statistics), got %d" % self.stats_every)
        if self.every < 0 or (self.every == 0 and self.stats_every == 0):
            raise ValueError("publish every must be >= 1, got %d%s" % (
                self.every, " (0, no tensors, needs statistics: stats_every)" if self.every == 0 else ""))
        if self.every > 0 and (self.snapshot_every < 1 or self.snapshot_every % self.every != 0):
            raise ValueError("snapshot every (%d) must be a positive multiple of publish every (%d)"
                             % (self.snapshot_every, self.every))
        if self.every == 0 and self.snapshot_every < 1:
            raise ValueError("snapshot every must be >= 1, got %d" % self.snapshot_every)
        if self.every > 0 and self.stats_every > 0 and self.every % self.stats_every != 0:
            raise ValueError("publish every (%d) must be a multiple of stats every (%d): steps with tensors must "
                             "also have statistics" % (self.every, self.stats_every))
        if self.dtype not in DTYPES:
            raise ValueError("tensors are published as FLOAT32 or BFLOAT16, not %r" % (self.dtype,))
        if self.max_block_bytes < 1024:
            raise ValueError("max block bytes must be >= 1024, got %d" % self.max_block_bytes)

    def publishes(self, step: int) -> bool:
        """Whether LayerSteps (tensors) go out at ``step``."""
        return self.every > 0 and step % self.every == 0

    def snapshots(self, step: int) -> bool:
        return self.every > 0 and step % self.snapshot_every == 0

    def publishes_stats(self, step: int) -> bool:
        """Whether LayerStats go out at ``step``."""
        return self.stats_every > 0 and step % self.stats_every == 0

    def analyzes(self, step: int) -> bool:
        """Whether ``step`` has statistics or tensors (its terms are needed)."""
        return self.publishes(step) or self.publishes_stats(step)

    def stats_block_rows(self) -> int:
        """Rows of a full LayerStats block, the same for every layer (RunStarted.statsRowsPerBlock)."""
        return max(1, self.max_block_bytes // STATS_ROW_BYTES)

    def stats_rows_per_block(self, rows: int) -> int:
        return max(1, min(rows, self.stats_block_rows()))

    def rows_per_block(self, rows: int, cols: int) -> int:
        return rows_per_block(rows, cols, self.dtype, self.max_block_bytes)



def mix64(positions: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer of each position, as uint64 (``UpdateSketch.mix``)."""
    with np.errstate(over="ignore"):
        z = positions.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def update_sketch(values: np.ndarray, first_position: int) -> np.ndarray:
    """The update sketch ``s_k = <U, P_k>`` (k < 32) of ``values`` (float32, any shape, row-major), which sit at the
    consecutive layer positions ``first_position ..`` (row * cols + col): ``P_k`` is -1 where bit k of the low 32
    bits of ``mix64(position)`` is set, else +1. Summed in float64 through four histograms of 256 bins, one per byte
    of the sign bits (``UpdateSketch.accumulate`` and ``fold``); equal to the definition up to float64 rounding."""
    v = np.ascontiguousarray(values, dtype=np.float32).reshape(-1).astype(np.float64)
    bits = mix64(np.arange(first_position, first_position + v.size, dtype=np.uint64)) & np.uint64(0xFFFFFFFF)
    out = np.zeros(SKETCH_SIZE)
    for b in range(4):
        byte = ((bits >> np.uint64(8 * b)) & np.uint64(0xFF)).astype(np.intp)
        totals = np.bincount(byte, weights=v, minlength=256)
        for j in range(8):
            sign = np.where((np.arange(256) >> j) & 1, -1.0, 1.0)
            out[b * 8 + j] = float(np.dot(totals, sign))
    return out


def neuron_sums(gradient: np.ndarray, signal, hebbian: np.ndarray, update: np.ndarray) -> np.ndarray:
    """Per neuron (row) i, rows x 7 float64: <-∇W_i, H_i>, |∇W_i|², <g_i, H_i>, |g_i|², <U_i, H_i>, |U_i|², |H_i|²,
    with g = -∇W when ``signal`` is None (SGD); from the float32 terms, products and sums in float64 (unit roundoff
    2^-53), the columns of the analyzer's BlockAlignment."""
    f = lambda a: np.asarray(a, dtype=np.float64)
    g, h, u = f(gradient), f(hebbian), f(update)
    rows = lambda a, b: np.einsum("ij,ij->i", a, b)
    gh, gg, hh = rows(g, h), rows(g, g), rows(h, h)
    if signal is None:
        sh, ss = -gh, gg
    else:
        s = f(signal)
        sh, ss = rows(s, h), rows(s, s)
    return np.stack([-gh, gg, sh, ss, rows(u, h), rows(u, u), hh], axis=1)
