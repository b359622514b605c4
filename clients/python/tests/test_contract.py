"""Topics, keys, names, publish policy and the splitting of layers into blocks of whole rows, as the Java
trainer does them (Topics, Keys, PublishPolicy, StepEncoder)."""

import numpy as np
import pytest

import hebbscope
from hebbscope import contract
from hebbscope.contract import PublishPolicy, Topics
from hebbscope.events import EventEncoder, Layer
from hebbscope.terms import LayerTerms


def test_topic_names_and_keys():
    t = Topics()
    assert [t.runs, t.layer_steps, t.train_metrics] == ["hebbscope.runs", "hebbscope.layer-steps",
                                                        "hebbscope.train-metrics"]
    assert Topics("x").layer_alignment == "x.layer-alignment"
    assert contract.key_run_started("r") == "r/started"
    assert contract.key_run_finished("r") == "r/finished"
    assert contract.key_layer_block("r", "fc.1", 3) == "r/fc.1/3"
    specs = t.creation_specs(3)
    assert specs["hebbscope.runs"] == (1, {"cleanup.policy": "compact"})
    assert specs["hebbscope.layer-steps"] == (3, {"max.message.bytes": "8388608"})
    assert specs["hebbscope.layer-stats"] == (3, {"max.message.bytes": "8388608"})
    assert t.layer_stats == "hebbscope.layer-stats"
    assert len(specs) == 8


@pytest.mark.parametrize("bad", ["", "a/b", "x" * 129, "sp ace", None])
def test_invalid_names_are_refused(bad):
    with pytest.raises(ValueError, match="1-128 characters"):
        contract.require_valid_name("run id", bad)
    with pytest.raises(ValueError):
        Topics("a/b")


def test_rows_per_block_like_publish_policy():
    # 5 tensors of cols float32 values per row must fit max_block_bytes
    assert contract.rows_per_block(128, 128) == 128
    assert contract.rows_per_block(128, 128, "FLOAT32", 32 * 1024) == 12
    assert contract.rows_per_block(128, 128, "BFLOAT16", 32 * 1024) == 25
    assert contract.rows_per_block(10, 100_000, "FLOAT32", 1024) == 1  # at least one row
    with pytest.raises(ValueError):
        PublishPolicy(every=2, snapshot_every=3)
    with pytest.raises(ValueError):
        PublishPolicy(dtype="FLOAT64")
    with pytest.raises(ValueError):
        PublishPolicy(max_block_bytes=100)


@pytest.mark.parametrize("rows,per", [(128, 12), (7, 7), (7, 3), (1, 1), (10, 1)])
def test_blocks_cover_every_row_once_in_whole_rows(rows, per):
    seen = []
    parts = list(contract.blocks(rows, per))
    assert len(parts) == contract.block_count(rows, per)
    for b, start, n in parts:
        assert 1 <= n <= per
        seen.extend(range(start, start + n))
    assert seen == list(range(rows))


def _terms(name, index, rows, cols, seed, signal=False, weights=False):
    r = np.random.default_rng(seed)
    m = lambda: r.standard_normal((rows, cols)).astype(np.float32)
    return LayerTerms(name, index, m() if weights else None, m(), m() if signal else None, m(), m(),
                      r.random((rows, 1)).astype(np.float32))


def test_encoder_writes_metrics_then_blocks_of_each_layer_chained_by_previous_step():
    ss = hebbscope.default_schemas()
    policy = PublishPolicy(every=2, snapshot_every=4, max_block_bytes=2 * 1024)
    enc = EventEncoder("run-1", Topics("t"), policy)
    topic, key, value = enc.run_started([Layer("fc0", 0, 30, 20), Layer("fc1", 1, 5, 30)], "sre", "mlp", "adam",
                                        7, {"a": 1}, 10, 100)
    assert (topic, key) == ("t.runs", "run-1/started")
    started = ss.decode(value)[1]
    per0 = 2 * 1024 // (5 * 20 * 4)
    assert started["layers"][0] == {"name": "fc0", "index": 0, "rows": 30, "cols": 20, "rowsPerBlock": per0,
                                    "blocks": -(-30 // per0)}
    assert (started["publishEvery"], started["snapshotEvery"], started["dtype"]) == (2, 4, "FLOAT32")
    assert started["config"] == {"a": "1"}

    for step in (0, 2, 4):
        layers = [_terms("fc0", 0, 30, 20, step, signal=True, weights=policy.snapshots(step)),
                  _terms("fc1", 1, 5, 30, step + 1, signal=True, weights=policy.snapshots(step))]
        records = list(enc.step(step, 0, 0.5, 0.01, [1.0, 2.0], layers))
        assert records[0][:2] == ("t.train-metrics", "run-1")
        assert ss.decode(records[0][2])[1]["weightNorms"] == [1.0, 2.0]
        blocks = [ss.decode(v)[1] for t, k, v in records[1:]]
        assert all(t == "t.layer-steps" for t, _, _ in records[1:])
        assert [k for _, k, _ in records[1:]] == ["run-1/fc0/%d" % b for b in range(-(-30 // per0))] + [
            "run-1/fc1/%d" % b for b in range(len(blocks) - (-(-30 // per0)))]
        for layer in layers:
            mine = [b for b in blocks if b["layer"] == layer.name]
            assert {b["previousStep"] for b in mine} == {step - 2 if step else -1}
            assert {b["blockCount"] for b in mine} == {len(mine)}
            assert {b["weightNorm"] for b in mine} == {[1.0, 2.0][layer.index]}
            for field, values in (("gradient", layer.gradient), ("signal", layer.signal),
                                  ("hebbian", layer.hebbian), ("update", layer.update),
                                  ("outputSquareMean", layer.output_square_mean)):
                joined = np.concatenate([contract.tensor_values(b[field]) for b in mine])
                np.testing.assert_array_equal(joined, values)
                assert [b["rowOffset"] for b in mine] == list(np.cumsum([0] + [b[field]["rows"] for b in mine])[:-1])
            assert all((b["weights"] is not None) == (step % 4 == 0) for b in mine)

    topic, key, value = enc.run_finished(6, "completed", 0.25)
    assert (topic, key) == ("t.runs", "run-1/finished")
    assert ss.decode(value)[1]["steps"] == 6


def test_sgd_sends_no_signal():
    ss = hebbscope.default_schemas()
    enc = EventEncoder("r", Topics(), PublishPolicy())
    records = list(enc.step(0, 0, 1.0, 0.1, [1.0], [_terms("l", 0, 3, 2, 0, signal=False)]))
    assert ss.decode(records[1][2])[1]["signal"] is None


def test_mix_and_update_sketch_are_javas():
    # UpdateSketch.mix(0, 1, 7, 12345, 2^40) and UpdateSketch.ofByBranches(u, 2, 3, 4), u_i = 0.25 (i - 5.5), from Java
    got = contract.mix64(np.array([0, 1, 7, 12345, 1 << 40], dtype=np.uint64))
    assert [int(x) for x in got] == [16294208416658607535, 10451216379200822465, 7191089600892374487,
                                     2454886589211414944, 2296115805719413641]
    u = (0.25 * (np.arange(12) - 5.5)).astype(np.float32).reshape(3, 4)
    java = [-1.5, 0.0, 1.5, 3.0, 1.75, 1.0, -0.25, 3.25, 0.75, -0.5, 5.0, 0.0, -4.75, 3.75, -2.75, -2.75, -6.0, -5.25,
            -0.5, 2.5, 3.0, -1.25, -4.25, 2.25, -1.25, 1.5, 0.25, -1.0, 1.75, -0.25, 0.25, 3.0]
    np.testing.assert_array_equal(contract.update_sketch(u, 2 * 4), java)
    # blocks add up to the layer's sketch
    r = np.random.default_rng(3).standard_normal((9, 5)).astype(np.float32)
    whole = contract.update_sketch(r, 0)
    np.testing.assert_allclose(contract.update_sketch(r[:4], 0) + contract.update_sketch(r[4:], 4 * 5), whole,
                               rtol=0, atol=1e-12)


def test_neuron_sums_by_hand():
    g = np.array([[1, 2, 0], [0, 0, 0]], np.float32)
    h = np.array([[3, 0, 1], [1, 1, 1]], np.float32)
    u = np.array([[-1, 0, 2], [0.5, 0, 0]], np.float32)
    s = np.array([[0, 1, 1], [2, 0, 0]], np.float32)
    np.testing.assert_array_equal(contract.neuron_sums(g, None, h, u),
                                  [[-3, 5, -3, 5, -1, 5, 10], [0, 0, 0, 0, 0.5, 0.25, 3]])
    np.testing.assert_array_equal(contract.neuron_sums(g, s, h, u)[:, 2:4], [[1, 2], [2, 4]])


def test_policy_with_statistics_like_javas():
    assert PublishPolicy(every=50, stats_every=1).publishes(100)
    with pytest.raises(ValueError, match="multiple of stats every"):
        PublishPolicy(every=3, snapshot_every=3, stats_every=2)
    with pytest.raises(ValueError, match="needs statistics"):
        PublishPolicy(every=0)
    with pytest.raises(ValueError, match=">= 0"):
        PublishPolicy(stats_every=-1)
    only = PublishPolicy(every=0, stats_every=1)
    assert not only.publishes(0) and not only.snapshots(0) and only.analyzes(7)
    assert only.stats_block_rows() == 8192 and only.stats_rows_per_block(300) == 300
    assert not PublishPolicy().publishes_stats(0)


def test_encoder_writes_statistics_beside_tensors():
    ss = hebbscope.default_schemas()
    policy = PublishPolicy(every=4, snapshot_every=4, max_block_bytes=1024, stats_every=2)
    enc = EventEncoder("run-s", Topics("t"), policy)
    started = ss.decode(enc.run_started([Layer("fc0", 0, 30, 20)], "sre", "mlp", "sgd", 7, {}, 10, 100)[2])[1]
    assert (started["publishEvery"], started["statsEvery"], started["statsRowsPerBlock"]) == (4, 2, 16)
    for step in (0, 2, 4):
        layer = _terms("fc0", 0, 30, 20, step, signal=False, weights=policy.snapshots(step))
        records = list(enc.step(step, 0, 0.5, 0.01, [3.0], [layer]))[1:]
        stats = [ss.decode(v)[1] for t, _, v in records if t == "t.layer-stats"]
        tensors = [ss.decode(v)[1] for t, _, v in records if t == "t.layer-steps"]
        assert [k for t, k, _ in records if t == "t.layer-stats"] == ["run-s/fc0/0", "run-s/fc0/1"]
        assert records[0][0] == "t.layer-stats"  # statistics first, as the Java StepEncoder
        assert len(tensors) == (0 if step == 2 else contract.block_count(30, policy.rows_per_block(30, 20)))
        assert {b["withStats"] for b in tensors} <= {True}
        assert {b["withTensors"] for b in stats} == {step != 2}
        assert {b["previousStep"] for b in stats} == {step - 2 if step else -1}
        assert [(b["rowOffset"], b["sums"]["rows"]) for b in stats] == [(0, 16), (16, 14)]
        assert {(b["blockCount"], b["weightNorm"], b["roundoff"]) for b in stats} == {(2, 3.0, 2.0 ** -53)}
        sums = np.concatenate([contract.tensor_values(b["sums"]) for b in stats])
        np.testing.assert_array_equal(sums, contract.neuron_sums(layer.gradient, None, layer.hebbian, layer.update))
        sketch = sum(contract.tensor_values(b["updateSketch"])[0] for b in stats)
        np.testing.assert_allclose(sketch, contract.update_sketch(layer.update, 0), rtol=0, atol=1e-9)
        np.testing.assert_array_equal(np.concatenate([contract.tensor_values(b["outputSquareMean"]) for b in stats]),
                                      layer.output_square_mean)
