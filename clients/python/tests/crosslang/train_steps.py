#!/usr/bin/env python3
"""Helper of the JUnit test PythonClientContractTest (not a pytest test): trains a tanh MLP for a few steps from
the weights, biases and batches a JSON file gives, monitored by hebbscope.watch, so the test compares what
PyTorch published with what the Java trainer computes from the same start.

    python3 train_steps.py spec.json

spec: {"bootstrapServers", "topicPrefix", "runId", "rule": sgd|adam|adamw, "learningRate", "weightDecay",
       "beta1", "beta2", "epsilon", "maxBlockBytes", "weights": [W0 rows...], "biases": [b0...],
       "batches": [{"x": rows, "y": rows}, ...]}
"""

import json
import sys

import torch
from torch import nn

import hebbscope


class Mlp(nn.Module):
    def __init__(self, weights, biases):
        super().__init__()
        self.count = len(weights)
        for i, (w, b) in enumerate(zip(weights, biases)):
            layer = nn.Linear(len(w[0]), len(w))
            with torch.no_grad():
                layer.weight.copy_(torch.tensor(w, dtype=torch.float32))
                layer.bias.copy_(torch.tensor(b, dtype=torch.float32))
            setattr(self, "layer%d" % i, layer)

    def forward(self, x):
        for i in range(self.count):
            x = getattr(self, "layer%d" % i)(x)
            if i + 1 < self.count:
                x = torch.tanh(x)
        return x


def main(path):
    with open(path) as f:
        spec = json.load(f)
    torch.set_num_threads(1)
    model = Mlp(spec["weights"], spec["biases"])
    lr, wd = spec["learningRate"], spec["weightDecay"]
    betas = (spec["beta1"], spec["beta2"])
    rule = spec["rule"]
    # The Java rules decay the weights only, never the biases: two parameter groups do the same in PyTorch.
    groups = [{"params": [m.weight for m in model.modules() if isinstance(m, nn.Linear)], "weight_decay": wd},
              {"params": [m.bias for m in model.modules() if isinstance(m, nn.Linear)], "weight_decay": 0.0}]
    if rule == "sgd":
        opt = torch.optim.SGD(groups, lr=lr)
    elif rule == "adam":
        opt = torch.optim.Adam(groups, lr=lr, betas=betas, eps=spec["epsilon"])
    else:
        opt = torch.optim.AdamW(groups, lr=lr, betas=betas, eps=spec["epsilon"])
    watch = hebbscope.watch(model, bootstrap_servers=spec["bootstrapServers"], run_id=spec["runId"], optimizer=opt,
                            topic_prefix=spec["topicPrefix"], max_block_bytes=spec["maxBlockBytes"], task="sre",
                            model_name="mlp", partitions=2, replication=1, timeout=60)
    loss_fn = nn.MSELoss()
    for batch in spec["batches"]:
        x = torch.tensor(batch["x"], dtype=torch.float32)
        y = torch.tensor(batch["y"], dtype=torch.float32)
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        watch.step(loss=loss.item())
    watch.finish()
    print("published %d steps of run %s" % (watch.steps, watch.run_id))


if __name__ == "__main__":
    main(sys.argv[1])
