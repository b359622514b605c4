"""hebbscope for PyTorch: publish any training loop's per-layer gradient, learning signal, Hebbian term and weight
update to hebbscope's Kafka event log, where the hebbscope analyzer, ``replay``, ``export`` and ``import`` treat
the run like one of the Java trainer's. See docs/pytorch.md of the hebbscope repository."""

import logging

from .contract import PublishPolicy, Topics
from .kafka import KafkaUnreachableError, PublishError
from .schemas import SchemaSet, default_schemas
from .watch import Watch, watch

__version__ = "0.1.0"
__all__ = ["watch", "Watch", "KafkaUnreachableError", "PublishError", "PublishPolicy", "Topics", "SchemaSet",
           "default_schemas", "__version__"]

# A library leaves logging to the application (librdkafka's connection errors go to "hebbscope.kafka").
logging.getLogger("hebbscope").addHandler(logging.NullHandler())
