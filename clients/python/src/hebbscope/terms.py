"""The per-layer terms of a training step, computed from PyTorch as the Java trainer's probe computes them.

For every monitored ``nn.Linear`` (weight ``W``, out x in), on the step's batch (definitions of
``shared/paper-notes.md``, as in ``trainer/.../probe/Probe.java``):

* ``a`` the layer's input and ``h = a Wᵀ + b`` its pre-activation (the Linear's output), with every leading
  dimension flattened into ``N`` rows (``N = B`` examples, or ``B·T`` example-tokens for a map applied per token);
* gradient ``∇W``: ``W.grad`` as the loss's backward pass left it (the optimizer's weight decay is not in it);
* Hebbian term ``H = (1/N) hᵀ a``;
* update ``U = W(t+1) − W(t)``: the weights after ``optimizer.step()`` minus those the step's forward pass used;
* learning signal ``g``, per ``trainer/.../rules``: ``None`` for plain SGD (it is exactly ``−∇W``); for Adam and
  AdamW ``−(m̂_L / (√v̂ + ε))`` where ``m̂_L`` is the bias-corrected first moment of the loss gradient alone (the
  signal excludes the regularizer: for AdamW and decay-free Adam it is the optimizer's ``exp_avg``, for coupled
  Adam with decay a moment kept beside it) and ``v̂`` the optimizer's own; SGD with momentum its step direction;
  for any other optimizer ``U / lr``;
* ``outputSquareMean``: per neuron the batch mean of ``h_i²``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Dict, List, Optional

import numpy as np
import torch
from torch import nn

log = logging.getLogger("hebbscope")


@dataclass
class LayerTerms:
    """One layer's terms of one step, as float32 numpy arrays (rows x cols; ``output_square_mean`` rows x 1)."""

    name: str
    index: int
    weights: np.ndarray
    gradient: np.ndarray
    signal: Optional[np.ndarray]
    hebbian: np.ndarray
    update: np.ndarray
    output_square_mean: np.ndarray


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().to(device="cpu", dtype=torch.float32).contiguous().numpy()


class LinearProbe:
    """Forward hook of one ``nn.Linear``: while armed, sums ``hᵀa`` and ``h²`` over every grad-enabled forward
    call of the step (a map called twice, or gradient accumulation over micro-batches, counts all its rows) and
    keeps the weights the first call used."""

    def __init__(self, name: str, index: int, module: nn.Linear):
        self.name = name
        self.index = index
        self.module = module
        self.rows = int(module.weight.shape[0])
        self.cols = int(module.weight.shape[1])
        self.armed = False
        self._reset()
        self._handle = module.register_forward_hook(self._hook)

    def _reset(self) -> None:
        self.weights_before: Optional[torch.Tensor] = None
        self.hebbian_sum: Optional[torch.Tensor] = None
        self.square_sum: Optional[torch.Tensor] = None
        self.count = 0

    def arm(self) -> None:
        self._reset()
        self.armed = True

    def disarm(self) -> None:
        self.armed = False
        self._reset()

    @property
    def seen(self) -> bool:
        return self.count > 0

    def _hook(self, module: nn.Module, inputs, output) -> None:
        if not self.armed or not torch.is_grad_enabled():
            return
        with torch.no_grad():
            a = inputs[0].detach()
            h = output.detach()
            a2 = a.reshape(-1, a.shape[-1]).to(torch.float32)
            h2 = h.reshape(-1, h.shape[-1]).to(torch.float32)
            if self.weights_before is None:
                self.weights_before = module.weight.detach().to(torch.float32).clone()
            hta = h2.t().matmul(a2)
            sq = (h2 * h2).sum(dim=0)
            if self.hebbian_sum is None:
                self.hebbian_sum, self.square_sum = hta, sq
            else:
                self.hebbian_sum.add_(hta)
                self.square_sum.add_(sq)
            self.count += a2.shape[0]

    def remove(self) -> None:
        self._handle.remove()


def linear_layers(model: nn.Module) -> List[tuple]:
    """(name, module) of every ``nn.Linear`` of ``model`` in registration order (usually forward order). The
    name is the module's qualified name; a model that is itself a Linear is called "linear"."""
    found = []
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            found.append((name or "linear", module))
    return found


class SignalRule:
    """The learning signal of one optimizer, per ``trainer/.../rules`` (Sgd.java, Adam.java)."""

    def __init__(self, optimizer: torch.optim.Optimizer):
        self.optimizer = optimizer
        self.kind = _kind(optimizer)
        self._groups: Dict[int, dict] = {}
        # Adam.java's first moment of the loss gradient alone (coupled Adam with decay only; see observe)
        self._loss_moments: Dict[int, torch.Tensor] = {}
        for group in optimizer.param_groups:
            if group.get("maximize", False):
                raise ValueError("hebbscope cannot monitor an optimizer with maximize=True: the learning signal "
                                 "is defined for minimizing the loss")
            for p in group["params"]:
                self._groups[id(p)] = group

    @property
    def name(self) -> str:
        """The rule's name in events: "sgd", "adam", "adamw", "sgd-momentum", or the optimizer's class name."""
        return self.kind

    def group(self, param: torch.Tensor) -> dict:
        g = self._groups.get(id(param))
        if g is None:
            raise ValueError("a monitored weight is not among the optimizer's parameters: pass the optimizer that "
                             "trains the model (optimizer=...)")
        return g

    def _tracks_loss_moment(self, group: dict) -> bool:
        # Coupled Adam folds the decay into its moments; AdamW and decay-free Adam have exp_avg = the loss moment.
        return self.kind == "adam" and float(group.get("weight_decay", 0.0)) != 0.0

    def observe(self, param: torch.Tensor, gradient: torch.Tensor) -> None:
        """Follows one step of ``param`` (after ``optimizer.step()``, every step, published or not): for coupled
        Adam with decay, the first moment of the loss gradient alone, ``mg = beta1 mg + (1 - beta1) dL/dW``, so
        that the learning signal excludes the regularizer (Adam.java)."""
        group = self.group(param)
        if not self._tracks_loss_moment(group):
            return
        beta1 = group["betas"][0]
        g = gradient.detach().to(torch.float32)
        moment = self._loss_moments.get(id(param))
        if moment is None:
            state = self.optimizer.state.get(param, {})
            if float(state.get("step", 1)) > 1:
                # Watched after training began: the earlier loss gradients are unknown; start from Adam's own
                # moment (decay included), whose weight fades as beta1^t.
                log.warning("the optimizer had already taken steps when watched: Adam's learning signal includes "
                            "the decay's share of its first moment for the next few steps")
                moment = state["exp_avg"].detach().to(torch.float32).clone()
                moment.mul_(beta1).add_(g, alpha=1.0 - beta1)
            else:
                moment = g * (1.0 - beta1)
            self._loss_moments[id(param)] = moment
        else:
            moment.mul_(beta1).add_(g, alpha=1.0 - beta1)

    def signal_is_negative_gradient(self) -> bool:
        return self.kind == "sgd"

    def signal(self, param: torch.Tensor, gradient: torch.Tensor, weights_before: torch.Tensor,
               update: torch.Tensor) -> Optional[torch.Tensor]:
        """g for ``param`` after ``optimizer.step()``, float32; None when g is exactly −∇W (plain SGD)."""
        group = self.group(param)
        if self.kind == "sgd":
            return None
        state = self.optimizer.state.get(param, {})
        if self.kind in ("adam", "adamw"):
            beta1, beta2 = group["betas"]
            eps = group["eps"]
            t = float(state["step"])
            if self._tracks_loss_moment(group):
                m = self._loss_moments.get(id(param))
                if m is None:
                    raise ValueError("watch.step() must follow every optimizer.step(): no loss moment for a weight")
            else:
                m = state["exp_avg"].detach().to(torch.float32)
            v = (state["max_exp_avg_sq"] if group.get("amsgrad", False) else state["exp_avg_sq"]).detach()
            v = v.to(torch.float32)
            bc1 = 1.0 - beta1 ** t
            bc2 = 1.0 - beta2 ** t
            # Adam.java: g = -(mg / bc1) / (sqrt(v / bc2) + eps), v (and the step) with the decay included
            direction = (m / bc1) / (torch.sqrt(v / bc2) + eps)
            return -direction
        if self.kind == "sgd-momentum":
            mu = group["momentum"]
            buf = state["momentum_buffer"].detach().to(torch.float32)
            if group.get("nesterov", False):
                d = gradient + group["weight_decay"] * weights_before if group["weight_decay"] else gradient
                return -(d + mu * buf)
            return -buf
        lr = float(group["lr"])
        return update / lr if lr != 0 else torch.zeros_like(update)

    def config(self, weight: Optional[torch.Tensor] = None) -> Dict[str, str]:
        """The Java trainer's config keys this optimizer determines, from the parameter group of ``weight`` (the
        first monitored weight; the first group when None)."""
        g = self.optimizer.param_groups[0] if weight is None else self.group(weight)
        c = {"rule": self.kind, "learningRate": repr(float(g["lr"])),
             "weightDecay": repr(float(g.get("weight_decay", 0.0))),
             "optimizer": type(self.optimizer).__module__ + "." + type(self.optimizer).__name__}
        if "betas" in g:
            c["adamBeta1"] = repr(float(g["betas"][0]))
            c["adamBeta2"] = repr(float(g["betas"][1]))
        if "eps" in g:
            c["adamEpsilon"] = repr(float(g["eps"]))
        if "momentum" in g:
            c["momentum"] = repr(float(g["momentum"]))
        if len(self.optimizer.param_groups) > 1:
            c["parameterGroups"] = str(len(self.optimizer.param_groups))
        if self.kind not in ("sgd", "adam", "adamw", "sgd-momentum"):
            c["signal"] = "update-per-learning-rate"
        return c


def _kind(optimizer: torch.optim.Optimizer) -> str:
    if isinstance(optimizer, torch.optim.AdamW):
        return "adamw"
    if isinstance(optimizer, torch.optim.Adam):
        return "adam"
    if isinstance(optimizer, torch.optim.SGD):
        if any(g.get("momentum", 0) for g in optimizer.param_groups):
            return "sgd-momentum"
        return "sgd"
    return type(optimizer).__name__.lower()


def layer_terms(probe: LinearProbe, rule: SignalRule, with_weights: bool) -> LayerTerms:
    """The terms of ``probe``'s layer once ``optimizer.step()`` has run, from what its hook saw this step."""
    w = probe.module.weight
    if w.grad is None:
        raise ValueError("layer %s has no gradient: call watch.step() after loss.backward() and optimizer.step()"
                         % probe.name)
    with torch.no_grad():
        gradient = w.grad.detach().to(torch.float32)
        before = probe.weights_before
        update = w.detach().to(torch.float32) - before
        signal = rule.signal(w, gradient, before, update)
        n = probe.count
        hebb = probe.hebbian_sum * (1.0 / n)
        square_mean = (probe.square_sum / n).reshape(-1, 1)
        return LayerTerms(probe.name, probe.index, _numpy(before) if with_weights else None, _numpy(gradient),
                          None if signal is None else _numpy(signal), _numpy(hebb), _numpy(update),
                          _numpy(square_mean))
