"""Without a broker, watch fails fast with an error that names the address."""

import socket
import time

import pytest
import torch
from torch import nn

import hebbscope
from hebbscope.kafka import producer_config


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_broker_is_a_clear_timeout_naming_the_address():
    model = nn.Linear(3, 2)
    address = "127.0.0.1:%d" % closed_port()
    start = time.monotonic()
    with pytest.raises(hebbscope.KafkaUnreachableError) as error:
        hebbscope.watch(model, bootstrap_servers=address, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                        timeout=2)
    assert time.monotonic() - start < 30
    assert "Kafka is not reachable at bootstrap.servers=" + address in str(error.value)
    assert "within 2 s" in str(error.value)
    assert error.value.bootstrap_servers == address
    # the hooks were never registered
    assert not model._forward_hooks


def test_the_producer_is_idempotent_acks_all_and_partitions_like_java():
    c = producer_config("h:1", {"linger.ms": 50})
    assert c["enable.idempotence"] is True
    assert c["acks"] == "all"
    assert c["partitioner"] == "murmur2_random"
    assert c["message.max.bytes"] == 8 * 1024 * 1024
    assert c["linger.ms"] == 50


def test_watch_needs_the_optimizer():
    with pytest.raises(ValueError, match="optimizer"):
        hebbscope.watch(nn.Linear(2, 2), bootstrap_servers="127.0.0.1:1")


def test_a_full_buffer_blocks_then_fails_naming_the_address():
    from hebbscope.kafka import KafkaSink, PublishError

    address = "127.0.0.1:%d" % closed_port()
    sink = KafkaSink(address, max_block=1.0, check_reachable=False,
                     overrides={"queue.buffering.max.messages": 2, "message.timeout.ms": 60_000})
    sink.send("t", "k", b"x")
    sink.send("t", "k", b"y")
    start = time.monotonic()
    with pytest.raises(PublishError, match="buffer stayed full for 1 s: Kafka at bootstrap.servers=" + address):
        sink.send("t", "k", b"z")  # nothing can leave: the producer waits for room, then gives up
    assert time.monotonic() - start >= 1.0
    with pytest.raises(PublishError, match="2 records not acknowledged by Kafka at bootstrap.servers=" + address):
        sink.flush(timeout=0.5)
