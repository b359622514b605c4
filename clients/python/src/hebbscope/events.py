"""Turns a run into hebbscope's records, as the Java ``EventPublisher`` and ``StepEncoder`` do: a RunStarted,
per step a StepMetrics and per layer, on the steps the policy says, its LayerStats blocks (per-neuron statistics)
and its LayerStep blocks (tensors), each of whole neuron rows and chained by ``previousStep`` within its topic, and a
RunFinished. Each record is ``(topic, key, value)``."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import contract
from .contract import PublishPolicy, Topics
from .schemas import SchemaSet, default_schemas
from .terms import LayerTerms

Record = Tuple[str, str, bytes]


@dataclass(frozen=True)
class Layer:
    """A monitored linear map W: rows = output neurons, cols = inputs; numbered from 0."""

    name: str
    index: int
    rows: int
    cols: int


def now_ms() -> int:
    return int(time.time() * 1000)


class EventEncoder:
    """Encodes one run's events. Used by one thread."""

    def __init__(self, run_id: str, topics: Topics, policy: PublishPolicy, schemas: Optional[SchemaSet] = None):
        self.run_id = contract.require_valid_name("run id", run_id)
        self.topics = topics
        self.policy = policy
        self.schemas = schemas or default_schemas()
        self._previous: Dict[str, int] = {}
        self._previous_stats: Dict[str, int] = {}

    def run_started(self, layers: Sequence[Layer], task: str, model: str, rule: str, seed: int,
                    config: Mapping[str, str], steps_per_epoch: int, total_steps: int,
                    started_at_ms: Optional[int] = None) -> Record:
        shapes = []
        for layer in layers:
            contract.require_valid_name("layer", layer.name)
            per = self.policy.rows_per_block(layer.rows, layer.cols)
            shapes.append({"name": layer.name, "index": layer.index, "rows": layer.rows, "cols": layer.cols,
                           "rowsPerBlock": per, "blocks": contract.block_count(layer.rows, per)})
        datum = {
            "runId": self.run_id, "startedAtMs": now_ms() if started_at_ms is None else started_at_ms,
            "task": task, "model": model, "rule": rule, "seed": int(seed),
            "config": {str(k): str(v) for k, v in config.items()}, "layers": shapes,
            "stepsPerEpoch": int(steps_per_epoch), "totalSteps": int(total_steps),
            "publishEvery": self.policy.every, "snapshotEvery": self.policy.snapshot_every,
            "dtype": self.policy.dtype, "statsEvery": self.policy.stats_every,
            "statsRowsPerBlock": self.policy.stats_block_rows() if self.policy.stats_every > 0 else 0,
        }
        return self.topics.runs, contract.key_run_started(self.run_id), self.schemas.encode("RunStarted", datum)

    def step(self, step: int, epoch: int, train_loss: float, learning_rate: float,
             weight_norms: Sequence[float], layers: Sequence[LayerTerms],
             validation_loss: Optional[float] = None, validation_accuracy: Optional[float] = None,
             timestamp_ms: Optional[int] = None) -> Iterator[Record]:
        """The StepMetrics of ``step``, then per layer of ``layers`` (empty on steps without either) its LayerStats
        blocks on steps with statistics and its LayerStep blocks on steps with tensors."""
        ts = now_ms() if timestamp_ms is None else timestamp_ms
        metrics = {
            "runId": self.run_id, "step": int(step), "epoch": int(epoch), "trainLoss": float(train_loss),
            "validationLoss": None if validation_loss is None else float(validation_loss),
            "learningRate": float(learning_rate), "timestampMs": ts,
            "validationAccuracy": None if validation_accuracy is None else float(validation_accuracy),
            "weightNorms": [float(n) for n in weight_norms],
        }
        yield self.topics.train_metrics, self.run_id, self.schemas.encode("StepMetrics", metrics, validate=False)
        stats, tensors = self.policy.publishes_stats(step), self.policy.publishes(step)
        for terms in layers:
            weight_norm = float(weight_norms[terms.index]) if terms.index < len(weight_norms) else -1.0
            if stats:
                yield from self._stats(step, epoch, terms, weight_norm, ts, tensors)
            if tensors:
                yield from self._layer(step, epoch, terms, weight_norm, ts, stats)

    def _stats(self, step: int, epoch: int, t: LayerTerms, weight_norm: float, ts: int,
               with_tensors: bool) -> Iterator[Record]:
        rows, cols = t.gradient.shape
        per = self.policy.stats_rows_per_block(rows)
        count = contract.block_count(rows, per)
        previous = self._previous_stats.get(t.name, -1)
        sums = contract.neuron_sums(t.gradient, t.signal, t.hebbian, t.update)
        for b, start, n in contract.blocks(rows, per):
            datum = {
                "runId": self.run_id, "layer": t.name, "layerIndex": int(t.index), "step": int(step),
                "previousStep": int(previous), "epoch": int(epoch), "blockIndex": b, "blockCount": count,
                "rowOffset": start, "layerRows": int(rows), "layerCols": int(cols),
                "sums": contract.tensor(sums[start:start + n], "FLOAT64"),
                "updateSketch": contract.tensor(
                    contract.update_sketch(t.update[start:start + n], start * cols).reshape(1, -1), "FLOAT64"),
                "outputSquareMean": None if t.output_square_mean is None
                else contract.tensor(t.output_square_mean[start:start + n].astype(np.float64), "FLOAT64"),
                "weightNorm": weight_norm, "timestampMs": ts, "withTensors": bool(with_tensors),
                "roundoff": 2.0 ** -53,
            }
            yield (self.topics.layer_stats, contract.key_layer_block(self.run_id, t.name, b),
                   self.schemas.encode("LayerStats", datum, validate=False))
        self._previous_stats[t.name] = int(step)

    def _layer(self, step: int, epoch: int, t: LayerTerms, weight_norm: float, ts: int,
               with_stats: bool = False) -> Iterator[Record]:
        rows, cols = t.gradient.shape
        per = self.policy.rows_per_block(rows, cols)
        count = contract.block_count(rows, per)
        previous = self._previous.get(t.name, -1)
        dtype = self.policy.dtype

        def block(values: Optional[np.ndarray], start: int, n: int):
            return None if values is None else contract.tensor(values[start:start + n], dtype)

        for b, start, n in contract.blocks(rows, per):
            datum = {
                "runId": self.run_id, "layer": t.name, "layerIndex": int(t.index), "step": int(step),
                "previousStep": int(previous), "epoch": int(epoch), "blockIndex": b, "blockCount": count,
                "rowOffset": start, "layerRows": int(rows), "layerCols": int(cols),
                "gradient": block(t.gradient, start, n), "signal": block(t.signal, start, n),
                "hebbian": block(t.hebbian, start, n), "update": block(t.update, start, n),
                "weights": block(t.weights, start, n), "timestampMs": ts, "weightNorm": weight_norm,
                "outputSquareMean": block(t.output_square_mean, start, n), "withStats": bool(with_stats),
            }
            yield (self.topics.layer_steps, contract.key_layer_block(self.run_id, t.name, b),
                   self.schemas.encode("LayerStep", datum, validate=False))
        self._previous[t.name] = int(step)

    def run_finished(self, steps: int, status: str, final_train_loss: float,
                     final_validation_loss: Optional[float] = None, finished_at_ms: Optional[int] = None) -> Record:
        datum = {"runId": self.run_id, "finishedAtMs": now_ms() if finished_at_ms is None else finished_at_ms,
                 "steps": int(steps), "status": status, "finalTrainLoss": float(final_train_loss),
                 "finalValidationLoss": None if final_validation_loss is None else float(final_validation_loss)}
        return self.topics.runs, contract.key_run_finished(self.run_id), self.schemas.encode("RunFinished", datum)


def layers_of(probes) -> List[Layer]:
    return [Layer(p.name, p.index, p.rows, p.cols) for p in probes]
