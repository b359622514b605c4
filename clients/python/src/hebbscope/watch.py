"""``hebbscope.watch``: monitor any PyTorch training loop through hebbscope's event log.

    watch = hebbscope.watch(model, bootstrap_servers="127.0.0.1:9092", optimizer=opt)
    for x, y in batches:
        opt.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); opt.step()
        watch.step(loss=loss.item())
    watch.finish()

Every ``nn.Linear`` of the model is monitored (or those named in ``layers``). The events are those the Java
trainer publishes, with its keys, topics, blocks and encoding, so the analyzer, ``replay``, ``export`` and
``import`` treat the run like a Java one.
"""

from __future__ import annotations

import logging
import math
import uuid
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import torch
from torch import nn

from . import contract
from .contract import PublishPolicy, Topics
from .events import EventEncoder, Layer, layers_of
from .kafka import KafkaSink
from .terms import LinearProbe, SignalRule, layer_terms, linear_layers

log = logging.getLogger("hebbscope")

#: Receives each record, (topic, key, value), in order.
Sink = Callable[[str, str, bytes], None]


class Watch:
    """A run being monitored. Call :meth:`step` after every ``optimizer.step()`` and :meth:`finish` at the end
    (or use it as a context manager: an exception finishes the run as "interrupted")."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer, sink: Sink, run_id: Optional[str] = None,
                 policy: PublishPolicy = PublishPolicy(), topics: Topics = Topics(),
                 config: Optional[Mapping[str, object]] = None, task: str = "custom", model_name: Optional[str] = None,
                 seed: Optional[int] = None, steps_per_epoch: int = 0, total_steps: int = 0,
                 layers: Optional[Sequence[str]] = None, flush: Optional[Callable[[], None]] = None,
                 close: Optional[Callable[[], None]] = None):
        if optimizer is None:
            raise ValueError("hebbscope.watch needs the optimizer (optimizer=...): the update rule defines the "
                             "learning signal")
        self.model = model
        self.optimizer = optimizer
        self.rule = SignalRule(optimizer)
        self.policy = policy
        self.run_id = contract.require_valid_name("run id", run_id or "torch-" + uuid.uuid4().hex[:12])
        self._send = sink
        self._flush = flush or (lambda: None)
        self._close = close or (lambda: None)
        found = linear_layers(model)
        if layers is not None:
            wanted = list(layers)
            by_name = dict(found)
            unknown = [n for n in wanted if n not in by_name]
            if unknown:
                raise ValueError("no nn.Linear named %s in the model; it has %s" % (unknown, [n for n, _ in found]))
            found = [(n, by_name[n]) for n in wanted]
        if not found:
            raise ValueError("the model has no nn.Linear to monitor")
        for name, module in found:
            contract.require_valid_name("layer", name)
            self.rule.group(module.weight)  # every monitored weight must be trained by the optimizer
        self.probes: List[LinearProbe] = [LinearProbe(name, i, m) for i, (name, m) in enumerate(found)]
        self.layers: List[Layer] = layers_of(self.probes)
        self.steps_per_epoch = int(steps_per_epoch)
        self.encoder = EventEncoder(self.run_id, topics, policy)
        run_config = self._config(config, task)
        self._step = 0
        self._last_loss = math.nan
        self._last_validation: Optional[float] = None
        self._finished = False
        self._warned_unseen = set()
        self._emit(self.encoder.run_started(
            self.layers, task=task, model=model_name or type(model).__name__.lower(), rule=self.rule.name,
            seed=(torch.initial_seed() % (1 << 63)) if seed is None else int(seed), config=run_config,
            steps_per_epoch=steps_per_epoch, total_steps=total_steps))
        self._arm(0)

    def _config(self, user: Optional[Mapping[str, object]], task: str) -> Dict[str, str]:
        c: Dict[str, str] = {"runId": self.run_id, "task": task, "producer": "pytorch",
                             "torchVersion": torch.__version__, "layers": ",".join(p.name for p in self.probes)}
        c.update(self.rule.config(self.probes[0].module.weight))
        if user:
            c.update({str(k): str(v) for k, v in user.items()})
        return c

    def _emit(self, record: Tuple[str, str, bytes]) -> None:
        self._send(*record)

    def _arm(self, step: int) -> None:
        publish = self.policy.analyzes(step)
        for p in self.probes:
            if publish:
                p.arm()
            else:
                p.disarm()

    @property
    def steps(self) -> int:
        """Steps reported so far (the index the next step gets)."""
        return self._step

    def step(self, loss: float, validation_loss: Optional[float] = None,
             validation_accuracy: Optional[float] = None, epoch: Optional[int] = None) -> None:
        """Reports the step just taken (after ``loss.backward()`` and ``optimizer.step()``): publishes its
        StepMetrics and, on the steps the policy says, the LayerStats and the LayerSteps of every monitored layer."""
        if self._finished:
            raise RuntimeError("the run is finished")
        if isinstance(loss, torch.Tensor):
            loss = loss.item()
        step = self._step
        if epoch is None:
            epoch = step // self.steps_per_epoch if self.steps_per_epoch > 0 else 0
        for p in self.probes:
            if p.module.weight.grad is not None:
                self.rule.observe(p.module.weight, p.module.weight.grad)
        terms = []
        if self.policy.analyzes(step):
            snapshot = self.policy.snapshots(step)
            for p in self.probes:
                if not p.seen:
                    if p.name not in self._warned_unseen:
                        self._warned_unseen.add(p.name)
                        log.warning("layer %s ran no grad-enabled forward pass at step %d: not published", p.name, step)
                    continue
                terms.append(layer_terms(p, self.rule, snapshot))
        with torch.no_grad():
            norms = [float(p.module.weight.detach().to(torch.float64).norm()) for p in self.probes]
        lr = float(self.rule.group(self.probes[0].module.weight)["lr"])
        for record in self.encoder.step(step, epoch, float(loss), lr, norms, terms, validation_loss,
                                        validation_accuracy):
            self._emit(record)
        self._last_loss = float(loss)
        if validation_loss is not None:
            self._last_validation = float(validation_loss)
        self._step = step + 1
        self._arm(self._step)

    def finish(self, status: Optional[str] = None, validation_loss: Optional[float] = None) -> None:
        """Publishes RunFinished ("completed", or "diverged" when the last loss is not finite) and waits until
        every event is acknowledged. The hooks are removed."""
        if self._finished:
            return
        self._finished = True
        for p in self.probes:
            p.remove()
        if validation_loss is not None:
            self._last_validation = float(validation_loss)
        if status is None:
            status = "completed" if math.isfinite(self._last_loss) or self._step == 0 else "diverged"
        try:
            self._emit(self.encoder.run_finished(self._step, status, self._last_loss, self._last_validation))
            self._flush()
        finally:
            self._close()

    def __enter__(self) -> "Watch":
        return self

    def __exit__(self, kind, value, tb) -> None:
        if self._finished:
            return
        if kind is None:
            self.finish()
        else:
            try:
                self.finish(status="interrupted")
            except Exception:  # the training error is the one to see
                log.exception("could not finish run %s after an error", self.run_id)


def watch(model: nn.Module, bootstrap_servers: str = "127.0.0.1:9092", run_id: Optional[str] = None, every: int = 1,
          config: Optional[Mapping[str, object]] = None, optimizer: Optional[torch.optim.Optimizer] = None, *,
          stats_every: int = 0,
          topic_prefix: str = contract.DEFAULT_PREFIX, snapshot_every: int = contract.DEFAULT_SNAPSHOT_EVERY,
          dtype: str = "FLOAT32", max_block_bytes: int = contract.DEFAULT_MAX_BLOCK_BYTES, task: str = "custom",
          model_name: Optional[str] = None, seed: Optional[int] = None, steps_per_epoch: int = 0,
          total_steps: int = 0, layers: Optional[Sequence[str]] = None, create_topics: bool = True,
          partitions: int = 4, replication: int = -1, timeout: float = 30.0,
          producer_config: Optional[Mapping[str, object]] = None) -> Watch:
    """Starts monitoring ``model`` trained by ``optimizer``: checks that Kafka answers at ``bootstrap_servers``
    within ``timeout`` seconds (else :class:`hebbscope.KafkaUnreachableError` naming the address), creates the
    topics when missing (``partitions`` per per-layer topic, like ``hebbscope train``), publishes RunStarted and
    registers a forward hook on every monitored ``nn.Linear``.

    ``every``: LayerSteps (tensors) every this many steps, 0 for none (StepMetrics every step); ``stats_every``:
    LayerStats (per-neuron statistics, what the analyzer needs of a step without its tensors) every this many
    steps, 0 for none (``every`` must then be a multiple of it); ``snapshot_every``: weight snapshots on
    step 0 and every this many steps (a multiple of ``every``); ``dtype``: "FLOAT32" or "BFLOAT16";
    ``config``: extra run configuration (strings) for RunStarted; ``task``, ``model_name``, ``seed``,
    ``steps_per_epoch``, ``total_steps``: what RunStarted says of the run (the analyzer's metrics show them).
    """
    policy = PublishPolicy(every=every, snapshot_every=snapshot_every, dtype=str(dtype).upper(),
                           max_block_bytes=max_block_bytes, stats_every=stats_every)
    topics = Topics(topic_prefix)
    if optimizer is None:
        raise ValueError("hebbscope.watch needs the optimizer (optimizer=...): the update rule defines the "
                         "learning signal")
    if run_id is not None:
        contract.require_valid_name("run id", run_id)
    sink = KafkaSink(bootstrap_servers, timeout=timeout, overrides=producer_config)
    try:
        if create_topics:
            sink.ensure_topics(topics, partitions, replication)
        return Watch(model, optimizer, sink.send, run_id=run_id, policy=policy, topics=topics, config=config,
                     task=task, model_name=model_name, seed=seed, steps_per_epoch=steps_per_epoch,
                     total_steps=total_steps, layers=layers, flush=sink.flush, close=sink.close)
    except BaseException:
        sink.close()
        raise
