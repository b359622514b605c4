"""Sending records to Kafka like the Java trainer's publisher: an idempotent producer with acks=all, a bounded
buffer that blocks (never drops) while it is full, Java-compatible partitioning of keys (murmur2), records up to
8 MiB; topics created when missing, as ``TopicSetup.ensureTopics`` creates them. A failed send fails the run:
the next call raises with the error."""

from __future__ import annotations

import logging
import time
from typing import Dict, Mapping, Optional

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from . import contract

log = logging.getLogger("hebbscope.kafka")


class KafkaUnreachableError(ConnectionError):
    """No Kafka broker answered at the bootstrap servers in time; the message names them."""

    def __init__(self, message: str, bootstrap_servers: str):
        super().__init__(message)
        self.bootstrap_servers = bootstrap_servers


class PublishError(RuntimeError):
    """A record could not be delivered; training stops rather than drop events."""


def producer_config(bootstrap_servers: str, overrides: Optional[Mapping[str, object]] = None) -> Dict[str, object]:
    """The producer settings: those of ``EventPublisher.producerProps`` in librdkafka's names."""
    conf: Dict[str, object] = {
        "bootstrap.servers": bootstrap_servers,
        "enable.idempotence": True,
        "acks": "all",
        "queue.buffering.max.kbytes": 64 * 1024,  # buffer.memory 64 MiB
        "linger.ms": 5,
        "batch.size": 1024 * 1024,
        "message.max.bytes": contract.MAX_MESSAGE_BYTES,  # max.request.size
        "compression.type": "none",
        "message.timeout.ms": 120_000,  # delivery.timeout.ms: a broker gone for this long fails the run
        "partitioner": "murmur2_random",  # the Java client's partitioner: a key lands where Java puts it
        "client.id": "hebbscope-python",
        "logger": log,
    }
    if overrides:
        conf.update(overrides)
    return conf


def _unreachable(bootstrap: str, timeout: float, error: object) -> KafkaUnreachableError:
    return KafkaUnreachableError("Kafka is not reachable at bootstrap.servers=%s: no broker answered within %g s (%s)"
                                 % (bootstrap, timeout, error), bootstrap)


class KafkaSink:
    """Sends ``(topic, key, value)`` records in order through one producer."""

    def __init__(self, bootstrap_servers: str, timeout: float = 30.0, max_block: float = 120.0,
                 overrides: Optional[Mapping[str, object]] = None, check_reachable: bool = True):
        if not bootstrap_servers or not str(bootstrap_servers).strip():
            raise ValueError("bootstrap_servers is empty")
        self.bootstrap_servers = str(bootstrap_servers).strip()
        self.timeout = float(timeout)
        self.max_block = float(max_block)
        self._failure: Optional[str] = None
        self.records_sent = 0
        self.bytes_sent = 0
        self._producer = Producer(producer_config(self.bootstrap_servers, overrides))
        if check_reachable:
            self._check_reachable()

    def _check_reachable(self) -> None:
        try:
            metadata = self._producer.list_topics(timeout=self.timeout)
        except KafkaException as e:
            raise _unreachable(self.bootstrap_servers, self.timeout, e.args[0] if e.args else e) from None
        if not metadata.brokers:
            raise KafkaUnreachableError("Kafka at bootstrap.servers=%s answered but reported no live brokers"
                                        % self.bootstrap_servers, self.bootstrap_servers)

    def ensure_topics(self, topics: contract.Topics, partitions: int, replication: int = -1) -> None:
        """Creates hebbscope's topics that are missing (existing ones are left as they are) and waits until every
        partition of them has a leader."""
        specs = topics.creation_specs(partitions)
        admin = AdminClient({"bootstrap.servers": self.bootstrap_servers, "logger": log})
        try:
            existing = set(admin.list_topics(timeout=self.timeout).topics)
        except KafkaException as e:
            raise _unreachable(self.bootstrap_servers, self.timeout, e.args[0] if e.args else e) from None
        if topics.layer_stats not in existing and topics.layer_steps in existing:
            # the analyzer assembles a layer's statistics with its tensors: partitioned alike (TopicSetup does so)
            described = admin.list_topics(topic=topics.layer_steps, timeout=self.timeout).topics[topics.layer_steps]
            specs[topics.layer_stats] = (len(described.partitions), specs[topics.layer_stats][1])
        missing = [NewTopic(name, num_partitions=n, replication_factor=replication, config=dict(cfg))
                   for name, (n, cfg) in specs.items() if name not in existing]
        if missing:
            futures = admin.create_topics(missing, request_timeout=self.timeout)
            for name, future in futures.items():
                try:
                    future.result(timeout=self.timeout)
                except KafkaException as e:
                    if e.args and isinstance(e.args[0], KafkaError) and \
                            e.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS:
                        continue
                    raise PublishError("cannot create topic %s at bootstrap.servers=%s: %s"
                                       % (name, self.bootstrap_servers, e)) from None
        self._await_leaders(admin, list(specs))

    def _await_leaders(self, admin: AdminClient, names) -> None:
        """Producing to partitions that are still being created makes the broker turn an idempotent producer's first
        batches away, out of order (stack notes): wait until each partition has a leader that answers for it (its
        offsets), as the Java bench does before its first produce."""
        deadline = time.monotonic() + self.timeout
        while True:
            metadata = admin.list_topics(timeout=self.timeout)
            ready = all(n in metadata.topics and metadata.topics[n].error is None and metadata.topics[n].partitions
                        and all(p.leader >= 0 for p in metadata.topics[n].partitions.values()) for n in names)
            if ready and self._serving(metadata, names, deadline):
                return
            if time.monotonic() > deadline:
                raise PublishError("topics %s at bootstrap.servers=%s have no serving leader after %g s"
                                   % (names, self.bootstrap_servers, self.timeout))
            time.sleep(0.1)

    def _serving(self, metadata, names, deadline: float) -> bool:
        consumer = Consumer({"bootstrap.servers": self.bootstrap_servers, "group.id": "hebbscope-python-probe",
                             "enable.auto.commit": False, "logger": log})
        try:
            for n in names:
                for p in metadata.topics[n].partitions:
                    left = max(0.1, deadline - time.monotonic())
                    try:
                        if consumer.get_watermark_offsets(TopicPartition(n, p), timeout=left) is None:
                            return False  # no answer in time
                    except KafkaException:
                        return False
            return True
        finally:
            consumer.close()

    def _delivered(self, err, msg) -> None:
        if err is not None:
            if self._failure is None:
                self._failure = "%s (topic %s, key %s)" % (err, msg.topic(), msg.key())
        else:
            self.records_sent += 1
            self.bytes_sent += len(msg.value())

    def check(self) -> None:
        """Raises the first delivery error, if any."""
        if self._failure is not None:
            raise PublishError("publishing to Kafka at bootstrap.servers=%s failed, training stops rather than drop "
                               "events: %s" % (self.bootstrap_servers, self._failure))

    def send(self, topic: str, key: str, value: bytes) -> None:
        """Queues one record; while the producer's buffer is full, serves deliveries and retries (up to
        ``max_block`` seconds, then raises)."""
        self.check()
        deadline = None
        while True:
            try:
                self._producer.produce(topic, value=value, key=key.encode("utf-8"), on_delivery=self._delivered)
                break
            except BufferError:
                if deadline is None:
                    deadline = time.monotonic() + self.max_block
                elif time.monotonic() > deadline:
                    raise PublishError("the producer's buffer stayed full for %g s: Kafka at bootstrap.servers=%s "
                                       "does not take the records" % (self.max_block, self.bootstrap_servers)) from None
                self._producer.poll(0.1)
                self.check()
        self._producer.poll(0)

    def flush(self, timeout: Optional[float] = None) -> None:
        """Waits until every record is acknowledged; raises when one failed or some are still unsent after
        ``timeout`` (default ``max_block``) seconds."""
        timeout = self.max_block if timeout is None else timeout
        left = self._producer.flush(timeout)
        self.check()
        if left > 0:
            raise PublishError("%d records not acknowledged by Kafka at bootstrap.servers=%s after %g s"
                               % (left, self.bootstrap_servers, timeout))

    def close(self) -> None:
        """Sends what is queued (bounded by ``max_block``); errors are left to ``flush``."""
        self._producer.flush(self.max_block)
