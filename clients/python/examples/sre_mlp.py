#!/usr/bin/env python3
"""The paper's SRE task in PyTorch, monitored by hebbscope: a student MLP (32-128-128-32, tanh) regresses the
outputs of a teacher of the same architecture with other random weights, under mean squared error, on Gaussian
inputs; the Java trainer's `--task sre --model mlp` in PyTorch.

    python3 clients/python/examples/sre_mlp.py --bootstrap-servers 127.0.0.1:9092 --rule adamw --weight-decay 5e-4

Start a broker and the analyzer first (`./hebbscope broker`, `./hebbscope analyze`), or pass the address of
any Kafka cluster hebbscope uses.
"""

import argparse
import math
import sys
import time

import torch
from torch import nn

import hebbscope


class Mlp(nn.Module):
    """Linear maps layer0, layer1, ... (the Java MLP's layer names) with tanh between them."""

    def __init__(self, widths, activation=nn.Tanh):
        super().__init__()
        self.count = len(widths) - 1
        for i in range(self.count):
            setattr(self, "layer%d" % i, nn.Linear(widths[i], widths[i + 1]))
        self.activation = activation()

    def forward(self, x):
        for i in range(self.count):
            x = getattr(self, "layer%d" % i)(x)
            if i + 1 < self.count:
                x = self.activation(x)
        return x


def init_uniform(model, scale, generator):
    """W and b uniform in ±scale/sqrt(fan_in) (PyTorch's nn.Linear default at scale 1, the Java trainer's init)."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                bound = scale / math.sqrt(m.in_features)
                m.weight.uniform_(-bound, bound, generator=generator)
                m.bias.uniform_(-bound, bound, generator=generator)


def optimizer(rule, model, lr, weight_decay):
    """The Java trainer's rules: weight decay on the weights W only, never on the biases."""
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    groups = [{"params": [m.weight for m in linears], "weight_decay": weight_decay},
              {"params": [m.bias for m in linears], "weight_decay": 0.0}]
    if rule == "sgd":
        return torch.optim.SGD(groups, lr=lr)
    if rule == "adam":
        return torch.optim.Adam(groups, lr=lr)  # L2 coupled: inside the moments
    if rule == "adamw":
        return torch.optim.AdamW(groups, lr=lr)  # decoupled decay
    raise SystemExit("--rule must be sgd, adam or adamw, not " + rule)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    p.add_argument("--topic-prefix", default="hebbscope")
    p.add_argument("--run-id", default=None)
    p.add_argument("--widths", default="32,128,128,32")
    p.add_argument("--rule", default="sgd", choices=["sgd", "adam", "adamw"])
    p.add_argument("--learning-rate", type=float, default=0.01)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--train-size", type=int, default=20000)
    p.add_argument("--validation-size", type=int, default=2000)
    p.add_argument("--init-scale", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--publish-every", type=int, default=1)
    p.add_argument("--snapshot-every", type=int, default=1000)
    p.add_argument("--max-block-bytes", type=int, default=512 * 1024)
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    args = p.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    widths = [int(w) for w in args.widths.split(",")]

    g = torch.Generator().manual_seed(args.seed)
    teacher, student = Mlp(widths), Mlp(widths)
    init_uniform(teacher, 1.0, g)
    init_uniform(student, args.init_scale, g)
    train_x = torch.randn(args.train_size, widths[0], generator=g)
    valid_x = torch.randn(args.validation_size, widths[0], generator=g)
    with torch.no_grad():
        train_y, valid_y = teacher(train_x), teacher(valid_x)
    train_x, train_y, valid_x, valid_y = (t.to(device) for t in (train_x, train_y, valid_x, valid_y))
    student.to(device)

    opt = optimizer(args.rule, student, args.learning_rate, args.weight_decay)
    loss_fn = nn.MSELoss()  # mean over all elements, as the Java trainer's MseLoss
    per_epoch = (args.train_size + args.batch_size - 1) // args.batch_size
    config = {"widths": args.widths, "activation": "tanh", "initScale": args.init_scale, "teacherInitScale": 1.0,
              "trainSize": args.train_size, "validationSize": args.validation_size, "batchSize": args.batch_size,
              "epochs": args.epochs, "noiseSigma": 0.0, "seed": args.seed, "dtype": "float32",
              "loss": "mse-mean-over-elements", "device": str(device)}
    watch = hebbscope.watch(student, bootstrap_servers=args.bootstrap_servers, run_id=args.run_id,
                            every=args.publish_every, config=config, optimizer=opt, topic_prefix=args.topic_prefix,
                            snapshot_every=args.snapshot_every, max_block_bytes=args.max_block_bytes, task="sre",
                            model_name="mlp", seed=args.seed, steps_per_epoch=per_epoch,
                            total_steps=per_epoch * args.epochs, partitions=args.partitions)
    start = time.monotonic()
    with watch:
        for epoch in range(args.epochs):
            order = torch.randperm(args.train_size, generator=g).to(device)
            for b in range(per_epoch):
                rows = order[b * args.batch_size:(b + 1) * args.batch_size]
                opt.zero_grad()
                loss = loss_fn(student(train_x[rows]), train_y[rows])
                loss.backward()
                opt.step()
                validation = None
                if b == per_epoch - 1:
                    with torch.no_grad():
                        validation = loss_fn(student(valid_x), valid_y).item()
                watch.step(loss=loss.item(), validation_loss=validation, epoch=epoch)
            print("epoch %d: train loss %.5f, validation loss %.5f" % (epoch, loss.item(), validation), flush=True)
    print("run %s: %d steps in %.1f s, published to %s" % (watch.run_id, watch.steps, time.monotonic() - start,
                                                          args.bootstrap_servers), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except hebbscope.KafkaUnreachableError as e:  # a wrong address is the user's, not a bug: one line, no traceback
        print("error: %s" % e, file=sys.stderr)
        sys.exit(1)
