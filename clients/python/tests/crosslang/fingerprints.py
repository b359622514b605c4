#!/usr/bin/env python3
"""Helper of the JUnit test PythonClientContractTest: prints, as JSON, every packaged schema's fingerprint as a
signed 64-bit integer (what Java's SchemaNormalization.parsingFingerprint64 returns) and a single-object encoded
sample of each event the client writes, in hex, for Java's EventCodec to decode."""

import json

import numpy as np

import hebbscope
from hebbscope import contract, schemas

ss = hebbscope.default_schemas()
g = np.array([[1.5, -2.0, 0.25], [3.0, 0.0, -1.0]], dtype=np.float32)
samples = {
    "RunStarted": {"runId": "py-run", "startedAtMs": 1700000000000, "task": "sre", "model": "mlp", "rule": "adamw",
                   "seed": 42, "config": {"learningRate": "0.01"},
                   "layers": [{"name": "layer0", "index": 0, "rows": 2, "cols": 3, "rowsPerBlock": 1, "blocks": 2}],
                   "stepsPerEpoch": 10, "totalSteps": 100, "publishEvery": 1, "snapshotEvery": 1000,
                   "dtype": "BFLOAT16"},
    "LayerStep": {"runId": "py-run", "layer": "layer0", "layerIndex": 0, "step": 5, "previousStep": 4, "epoch": 0,
                  "blockIndex": 1, "blockCount": 2, "rowOffset": 1, "layerRows": 2, "layerCols": 3,
                  "gradient": contract.tensor(g), "signal": contract.tensor(-g), "hebbian": contract.tensor(g * 2),
                  "update": contract.tensor(g, "BFLOAT16"), "weights": None, "timestampMs": 1700000000001,
                  "weightNorm": 2.5, "outputSquareMean": contract.tensor(np.array([[0.5], [4.0]], np.float32))},
    "StepMetrics": {"runId": "py-run", "step": 5, "epoch": 0, "trainLoss": 0.125, "validationLoss": None,
                    "learningRate": 0.01, "timestampMs": 1700000000002, "validationAccuracy": 0.75,
                    "weightNorms": [2.5, 1.0]},
    "RunFinished": {"runId": "py-run", "finishedAtMs": 1700000000003, "steps": 100, "status": "completed",
                    "finalTrainLoss": 0.0625, "finalValidationLoss": 0.5},
}
print(json.dumps({
    "fingerprints": {name.rsplit(".", 1)[-1]: schemas.to_signed64(fp) for name, fp in ss.fingerprints.items()},
    "samples": {name: ss.encode(name, datum).hex() for name, datum in samples.items()},
}))
