"""Tests of bounds.problem: validation messages, derived arrays and file round trips."""

import json

import numpy as np
import pytest

from bounds import TabularProblem, load_instance
from tabular_instances import random_problem


def valid_arrays():
    return {
        "context_probs": [0.5, 0.5],
        "reward": [[1.0, 0.0], [0.0, 1.0]],
        "target_policy": [[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]],
        "reference_prompter": [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]],
    }


@pytest.mark.parametrize("key, value, message", [
    ("reward", [[1.0, 0.0, 2.0], [0.0, 1.0, 2.0]], r"target_policy: expected shape .*\(3, 3\)"),
    ("reference_prompter", [[0.5, 0.5], [0.5, 0.5]], r"reference_prompter: expected shape .*\(2, 3\), got \(2, 2\)"),
    ("target_policy", [[1.1, -0.1], [0.2, 0.8], [0.5, 0.5]], r"target_policy: entry \[0, 1\] is -0.1"),
    ("reference_prompter", [[0.2, 0.3, 0.5], [0.1, 0.1, 0.7]], r"reference_prompter: row \[1\] sums to 0.9"),
    ("reward", [[1.0, np.nan], [0.0, 1.0]], r"reward: entry \[0, 1\] is nan"),
    ("context_probs", [0.5, 0.6], r"context_probs: sums to 1.1"),
])
def test_invalid_input_named(key, value, message):
    arrays = valid_arrays()
    arrays[key] = value

    with pytest.raises(ValueError, match=message):
        TabularProblem(**arrays)


def test_derived_arrays():
    problem = TabularProblem(**valid_arrays())

    assert np.allclose(problem.prompt_values, np.array(valid_arrays()["reward"]) @ np.array(valid_arrays()["target_policy"]).T, rtol=0, atol=0)
    assert np.allclose(problem.reference_policy, problem.induced_reference, rtol=0, atol=0)
    assert problem.reference_is_induced()
    assert not problem.prompt_values.flags.writeable


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_round_trip(tmp_path, suffix):
    problem = random_problem(np.random.default_rng(0), 3, 4, 5, induced=False)
    path = tmp_path / f"instance{suffix}"
    problem.save(path)
    loaded, temperatures = load_instance(path)

    # JSON writes floats with repr, which round-trips float64 exactly.
    for key in ("context_probs", "reward", "target_policy", "reference_prompter", "reference_policy"):
        assert np.array_equal(getattr(loaded, key), getattr(problem, key)), key
    assert temperatures == {}


def test_load_temperatures_and_errors(tmp_path):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps({**valid_arrays(), "beta": 0.5, "lam": 2.0}))
    assert load_instance(path)[1] == {"beta": 0.5, "lam": 2.0}

    path.write_text(json.dumps({**valid_arrays(), "lam": -2.0}))
    with pytest.raises(ValueError, match="lam: got -2.0"):
        load_instance(path)

    data = valid_arrays()
    del data["reward"]
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="missing required key 'reward'"):
        load_instance(path)

    with pytest.raises(FileNotFoundError, match="missing.json"):
        load_instance(tmp_path / "missing.json")


def test_instance_selects_batch_entry():
    problem = random_problem(np.random.default_rng(1), 2, 3, 4, batch=(3,))

    assert np.array_equal(problem.instance(1).reward, problem.reward[1])
    with pytest.raises(ValueError, match="no batch axes"):
        problem.instance(1).instance(0)
