"""The terms the hooks compute: H on hand-computed cases, ∇W against finite differences, U from the optimizer
step, and the learning signal of SGD, Adam, AdamW and SGD with momentum against their formulas (the Java rules
Sgd.java and Adam.java). Records are collected from the real encoder and decoded with the real schemas."""

import math

import numpy as np
import pytest
import torch
from torch import nn

import hebbscope
from hebbscope import contract
from hebbscope.contract import PublishPolicy
from hebbscope.watch import Watch


class Collected:
    """The records a Watch produced, decoded."""

    def __init__(self):
        self.records = []
        self.ss = hebbscope.default_schemas()

    def __call__(self, topic, key, value):
        self.records.append((topic, key, value))

    def events(self, kind):
        out = []
        for topic, key, value in self.records:
            name, datum = self.ss.decode(value)
            if name == kind:
                out.append(datum)
        return out

    def layer(self, layer, step, field):
        """The field of a layer at a step, its blocks joined, float64."""
        blocks = [b for b in self.events("LayerStep") if b["layer"] == layer and b["step"] == step]
        assert blocks, "no LayerStep %s %d" % (layer, step)
        blocks.sort(key=lambda b: b["blockIndex"])
        if blocks[0][field] is None:
            return None
        return np.concatenate([contract.tensor_values(b[field]) for b in blocks])


def linear(w, b):
    m = nn.Linear(len(w[0]), len(w), dtype=torch.float64)
    with torch.no_grad():
        m.weight.copy_(torch.tensor(w, dtype=torch.float64))
        m.bias.copy_(torch.tensor(b, dtype=torch.float64))
    return m


def test_hebbian_term_on_a_hand_computed_case():
    m = linear([[1.0, 0.0], [0.5, -1.0]], [0.0, 1.0])
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    got = Collected()
    w = Watch(m, opt, got, run_id="h")
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    # h = a W^T + b: [[1, 0.5 - 2 + 1], [3, 1.5 - 4 + 1]] = [[1, -0.5], [3, -1.5]]
    loss = m(a).sum()
    loss.backward()
    opt.step()
    w.step(loss.item())
    # H = (1/2) h^T a: row 0 = (1*[1,2] + 3*[3,4]) / 2 = [5, 7]; row 1 = (-0.5*[1,2] - 1.5*[3,4]) / 2 = [-2.5, -3.5]
    np.testing.assert_allclose(got.layer("linear", 0, "hebbian"), [[5.0, 7.0], [-2.5, -3.5]], rtol=1e-6)
    # outputSquareMean: mean of h_i^2 = [(1 + 9)/2, (0.25 + 2.25)/2]
    np.testing.assert_allclose(got.layer("linear", 0, "outputSquareMean"), [[5.0], [1.25]], rtol=1e-6)
    # loss = sum(h): dL/dW = 1^T a per row = [4, 6]
    np.testing.assert_allclose(got.layer("linear", 0, "gradient"), [[4.0, 6.0], [4.0, 6.0]], rtol=1e-6)
    np.testing.assert_allclose(got.layer("linear", 0, "update"), -0.1 * np.array([[4.0, 6.0], [4.0, 6.0]]),
                               rtol=1e-5)
    assert got.layer("linear", 0, "signal") is None  # plain SGD: g = -∇W is not sent twice
    np.testing.assert_allclose(got.layer("linear", 0, "weights"), [[1.0, 0.0], [0.5, -1.0]])


def mlp(seed, widths=(4, 5, 3), dtype=torch.float64):
    torch.manual_seed(seed)
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1], dtype=dtype))
        if i + 2 < len(widths):
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def test_gradient_matches_central_finite_differences():
    model = mlp(1)
    x = torch.randn(6, 4, dtype=torch.float64)
    y = torch.randn(6, 3, dtype=torch.float64)
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    got = Collected()
    w = Watch(model, opt, got, run_id="fd")
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    opt.step()
    w.step(loss.item())
    for name, layer in (("0", model[0]), ("2", model[2])):
        fd = np.zeros(tuple(layer.weight.shape))
        eps = 1e-6
        with torch.no_grad():
            for i in range(fd.shape[0]):
                for j in range(fd.shape[1]):
                    old = layer.weight[i, j].item()
                    layer.weight[i, j] = old + eps
                    up = nn.functional.mse_loss(model(x), y).item()
                    layer.weight[i, j] = old - eps
                    down = nn.functional.mse_loss(model(x), y).item()
                    layer.weight[i, j] = old
                    fd[i, j] = (up - down) / (2 * eps)
        np.testing.assert_allclose(got.layer(name, 0, "gradient"), fd, rtol=1e-4, atol=1e-7)


def test_hebbian_of_each_layer_is_its_own_input_and_pre_activation():
    model = mlp(2)
    x = torch.randn(8, 4, dtype=torch.float64)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    got = Collected()
    w = Watch(model, opt, got, run_id="io")
    h0 = x @ model[0].weight.detach().T + model[0].bias.detach()
    a1 = torch.tanh(h0)
    h1 = a1 @ model[2].weight.detach().T + model[2].bias.detach()
    loss = model(x).pow(2).mean()
    loss.backward()
    opt.step()
    w.step(loss.item())
    np.testing.assert_allclose(got.layer("0", 0, "hebbian"), (h0.T @ x / 8).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got.layer("2", 0, "hebbian"), (h1.T @ a1 / 8).numpy(), rtol=1e-5, atol=1e-6)


def test_tokens_are_averaged_like_the_java_transformer():
    m = nn.Linear(3, 2, dtype=torch.float64)
    opt = torch.optim.SGD(m.parameters(), lr=0.01)
    got = Collected()
    w = Watch(m, opt, got, run_id="tok")
    x = torch.randn(4, 5, 3, dtype=torch.float64)  # batch 4, 5 tokens
    out = m(x)
    out.sum().backward()
    opt.step()
    w.step(0.0)
    a = x.reshape(20, 3)
    h = out.detach().reshape(20, 2)
    np.testing.assert_allclose(got.layer("linear", 0, "hebbian"), (h.T @ a / 20).numpy(), rtol=1e-5, atol=1e-6)


def test_micro_batches_of_one_step_count_all_their_rows_and_no_grad_passes_none():
    m = nn.Linear(3, 2, dtype=torch.float64)
    opt = torch.optim.SGD(m.parameters(), lr=0.01)
    got = Collected()
    w = Watch(m, opt, got, run_id="acc")
    x1, x2 = torch.randn(2, 3, dtype=torch.float64), torch.randn(6, 3, dtype=torch.float64)
    with torch.no_grad():
        m(torch.randn(100, 3, dtype=torch.float64))  # a validation pass: not part of the step
    o1, o2 = m(x1), m(x2)
    (o1.sum() + o2.sum()).backward()
    opt.step()
    w.step(0.0)
    a = torch.cat([x1, x2])
    h = torch.cat([o1, o2]).detach()
    np.testing.assert_allclose(got.layer("linear", 0, "hebbian"), (h.T @ a / 8).numpy(), rtol=1e-5, atol=1e-6)


def run_steps(opt_factory, steps=3, seed=3, policy=PublishPolicy()):
    model = mlp(seed)
    opt = opt_factory(model.parameters())
    got = Collected()
    w = Watch(model, opt, got, run_id="r", policy=policy)
    history = []
    gen = torch.Generator().manual_seed(seed)
    for s in range(steps):
        x = torch.randn(5, 4, generator=gen, dtype=torch.float64)
        y = torch.randn(5, 3, generator=gen, dtype=torch.float64)
        before = [model[0].weight.detach().clone(), model[2].weight.detach().clone()]
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        grads = [model[0].weight.grad.detach().clone(), model[2].weight.grad.detach().clone()]
        opt.step()
        after = [model[0].weight.detach().clone(), model[2].weight.detach().clone()]
        history.append((before, grads, after))
        w.step(loss.item())
    w.finish()
    return got, history


def test_sgd_with_weight_decay_update_is_everything_and_signal_is_minus_the_gradient():
    lr, wd = 0.1, 0.01
    got, history = run_steps(lambda p: torch.optim.SGD(p, lr=lr, weight_decay=wd))
    for s, (before, grads, after) in enumerate(history):
        for name, i in (("0", 0), ("2", 1)):
            np.testing.assert_allclose(got.layer(name, s, "gradient"), grads[i].numpy(), rtol=1e-5, atol=1e-7)
            expected = -lr * (grads[i] + wd * before[i])
            np.testing.assert_allclose(got.layer(name, s, "update"), expected.numpy(), rtol=1e-4, atol=1e-7)
            np.testing.assert_allclose(got.layer(name, s, "update"), (after[i] - before[i]).numpy(), atol=1e-7)
            assert got.layer(name, s, "signal") is None
    started = got.events("RunStarted")[0]
    assert started["rule"] == "sgd"
    assert started["config"]["weightDecay"] == "0.01"


@pytest.mark.parametrize("decoupled", [False, True])
def test_adam_signal_is_the_java_adam_direction(decoupled):
    lr, wd, b1, b2, eps = 0.01, 0.05, 0.9, 0.999, 1e-8
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    got, history = run_steps(lambda p: cls(p, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd), steps=4)
    for i, name in enumerate(("0", "2")):
        m = v = mg = 0
        for s, (before, grads, after) in enumerate(history):
            t = s + 1
            d = grads[i] if decoupled else grads[i] + wd * before[i]  # Adam.java: coupled L2 inside the moments
            m = b1 * m + (1 - b1) * d
            v = b2 * v + (1 - b2) * d * d
            mg = b1 * mg + (1 - b1) * grads[i]  # the loss gradient's moment: the signal excludes the decay
            direction = (m / (1 - b1 ** t)) / (torch.sqrt(v / (1 - b2 ** t)) + eps)
            signal = -(mg / (1 - b1 ** t)) / (torch.sqrt(v / (1 - b2 ** t)) + eps)
            np.testing.assert_allclose(got.layer(name, s, "signal"), signal.numpy(), rtol=1e-4, atol=1e-6)
            if not decoupled:
                assert not np.allclose(signal.numpy(), (-direction).numpy(), rtol=1e-3, atol=1e-6)
            expected_update = -lr * (direction + wd * before[i]) if decoupled else -lr * direction
            np.testing.assert_allclose(got.layer(name, s, "update"), expected_update.numpy(), rtol=1e-4, atol=1e-7)
    started = got.events("RunStarted")[0]
    assert started["rule"] == ("adamw" if decoupled else "adam")
    assert started["config"]["adamBeta2"] == "0.999"


def test_coupled_adam_signal_follows_the_loss_moment_on_unpublished_steps_too():
    lr, wd, b1, b2, eps = 0.01, 0.05, 0.9, 0.999, 1e-8
    got, history = run_steps(lambda p: torch.optim.Adam(p, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd),
                             steps=5, policy=PublishPolicy(every=2, snapshot_every=2))
    mg = v = 0
    for s, (before, grads, after) in enumerate(history):
        t = s + 1
        d = grads[1] + wd * before[1]
        v = b2 * v + (1 - b2) * d * d
        mg = b1 * mg + (1 - b1) * grads[1]
        if s % 2 == 0:
            signal = -(mg / (1 - b1 ** t)) / (torch.sqrt(v / (1 - b2 ** t)) + eps)
            np.testing.assert_allclose(got.layer("2", s, "signal"), signal.numpy(), rtol=1e-4, atol=1e-6)
        else:
            with pytest.raises(Exception):
                got.layer("2", s, "signal")


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_signal_is_its_step_direction(nesterov):
    lr, wd, mu = 0.05, 0.01, 0.9
    got, history = run_steps(lambda p: torch.optim.SGD(p, lr=lr, momentum=mu, weight_decay=wd, nesterov=nesterov))
    for i, name in enumerate(("0", "2")):
        for s, (before, grads, after) in enumerate(history):
            signal = got.layer(name, s, "signal")
            np.testing.assert_allclose(signal * lr, (after[i] - before[i]).numpy(), rtol=1e-4, atol=1e-7)
    assert got.events("RunStarted")[0]["rule"] == "sgd-momentum"


def test_other_optimizers_report_update_per_learning_rate():
    got, history = run_steps(lambda p: torch.optim.RMSprop(p, lr=0.01))
    before, grads, after = history[1]
    np.testing.assert_allclose(got.layer("2", 1, "signal"), ((after[1] - before[1]) / 0.01).numpy(), rtol=1e-4,
                               atol=1e-6)
    started = got.events("RunStarted")[0]
    assert started["rule"] == "rmsprop"
    assert started["config"]["signal"] == "update-per-learning-rate"


def test_every_and_snapshots_and_metrics():
    model = mlp(4, dtype=torch.float32)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    got = Collected()
    w = Watch(model, opt, got, run_id="ev", policy=PublishPolicy(every=2, snapshot_every=4), steps_per_epoch=3)
    for s in range(6):
        opt.zero_grad()
        loss = model(torch.randn(3, 4)).pow(2).mean()
        loss.backward()
        opt.step()
        w.step(loss.item(), validation_loss=0.5 if s == 2 else None)
    w.finish()
    steps = sorted({(b["layer"], b["step"], b["previousStep"]) for b in got.events("LayerStep")})
    assert steps == [("0", 0, -1), ("0", 2, 0), ("0", 4, 2), ("2", 0, -1), ("2", 2, 0), ("2", 4, 2)]
    assert {b["step"] for b in got.events("LayerStep") if b["weights"] is not None} == {0, 4}
    metrics = got.events("StepMetrics")
    assert [m["step"] for m in metrics] == list(range(6))
    assert [m["epoch"] for m in metrics] == [0, 0, 0, 1, 1, 1]
    assert metrics[2]["validationLoss"] == 0.5
    norms = [float(model[0].weight.detach().double().norm()), float(model[2].weight.detach().double().norm())]
    np.testing.assert_allclose(metrics[-1]["weightNorms"], norms)
    finished = got.events("RunFinished")[0]
    assert (finished["steps"], finished["status"], finished["finalValidationLoss"]) == (6, "completed", 0.5)
    assert not model[0]._forward_hooks  # finish removed the hooks


def test_statistics_every_step_tensors_every_third_and_statistics_only():
    for every, expected_tensor_steps in ((3, [0, 3]), (0, [])):
        model = mlp(4, dtype=torch.float32)
        opt = torch.optim.Adam(model.parameters(), lr=0.01)
        got = Collected()
        w = Watch(model, opt, got, run_id="st", policy=PublishPolicy(every=every, snapshot_every=3, stats_every=1))
        for s in range(5):
            opt.zero_grad()
            loss = model(torch.randn(3, 4)).pow(2).mean()
            loss.backward()
            opt.step()
            w.step(loss.item())
        w.finish()
        stats = got.events("LayerStats")
        assert sorted({b["step"] for b in stats}) == [0, 1, 2, 3, 4]
        assert sorted({b["step"] for b in got.events("LayerStep")}) == expected_tensor_steps
        assert {b["step"] for b in stats if b["withTensors"]} == set(expected_tensor_steps)
        for t in expected_tensor_steps:  # where both exist, the statistics are those of the published tensors
            for layer in ("0", "2"):
                g, s_, h, u = (got.layer(layer, t, f) for f in ("gradient", "signal", "hebbian", "update"))
                mine = [b for b in stats if b["layer"] == layer and b["step"] == t]
                sums = np.concatenate([contract.tensor_values(b["sums"]) for b in mine])
                np.testing.assert_array_equal(sums, contract.neuron_sums(g, s_, h, u))
        started = got.events("RunStarted")[0]
        assert (started["publishEvery"], started["statsEvery"], started["statsRowsPerBlock"]) == (every, 1, 8192)


def test_layers_can_be_chosen_and_must_be_trained_by_the_optimizer():
    model = mlp(5)
    got = Collected()
    w = Watch(model, torch.optim.SGD(model.parameters(), lr=0.1), got, run_id="sel", layers=["2"])
    assert [l.name for l in w.layers] == ["2"]
    with pytest.raises(ValueError, match="no nn.Linear named"):
        Watch(model, torch.optim.SGD(model.parameters(), lr=0.1), got, layers=["9"])
    with pytest.raises(ValueError, match="not among the optimizer's parameters"):
        Watch(model, torch.optim.SGD(model[0].parameters(), lr=0.1), got)
    with pytest.raises(ValueError, match="maximize"):
        Watch(model, torch.optim.SGD(model.parameters(), lr=0.1, maximize=True), got)


def test_an_exception_in_the_loop_finishes_the_run_as_interrupted():
    model = mlp(6)
    got = Collected()
    with pytest.raises(KeyError):
        with Watch(model, torch.optim.SGD(model.parameters(), lr=0.1), got, run_id="boom"):
            raise KeyError("x")
    assert got.events("RunFinished")[0]["status"] == "interrupted"
    assert math.isnan(got.events("RunFinished")[0]["finalTrainLoss"])
