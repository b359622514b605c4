"""Fails the run at once, with what to install, when the interpreter lacks what the tests need."""

import importlib

import pytest

NEEDED = {"torch": "python3-torch", "numpy": "python3-numpy", "avro": "python3-avro",
          "confluent_kafka": "python3-confluent-kafka"}


def pytest_configure(config):
    missing = []
    for module, package in NEEDED.items():
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(package)
    if missing:
        raise pytest.UsageError(
            "the hebbscope Python tests need %s for this interpreter (Debian: apt-get install %s; .ci/run does). "
            "On a developer machine without them, HEBBSCOPE_SKIP_PYTHON_TESTS=true skips the Python build and tests."
            % (", ".join(missing), " ".join(missing)))
    try:
        importlib.import_module("hebbscope")
    except ImportError as e:
        raise pytest.UsageError("the hebbscope package is not importable (%s): run the tests through Maven, which "
                                "installs it into clients/python/target/python, or put that on PYTHONPATH" % e)
