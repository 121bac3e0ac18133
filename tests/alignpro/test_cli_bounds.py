"""Tests of ``align-pro bounds`` through ``alignpro.cli.main``, on instance files written here."""

import json
from pathlib import Path

import numpy as np
import pytest

from alignpro.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "instance.json"
BOUND_KEYS = {"holder_tv", "pinsker", "bretagnolle_huber", "coverage_prior", "coverage_prior_lp", "paper_t0"}


def run_cli(capsys, *argv):
    code = main(["bounds", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_output_keys_and_bounds(capsys):
    code, out, err = run_cli(capsys, EXAMPLE, "--json")
    data = json.loads(out)

    assert code == 0
    assert err == ""
    assert set(data["bounds"]) == BOUND_KEYS
    for key in ("fine_tuned_reward", "prompt_optimized_reward", "gap", "gap_coverage", "gap_prior", "beta", "lam"):
        assert isinstance(data[key], float), key
    # Rewards in the example are O(1); 1e-9 absorbs rounding.
    for name, value in data["bounds"].items():
        assert value >= data["gap"] - 1e-9, name


def test_flags_override_file(capsys):
    _, out, _ = run_cli(capsys, EXAMPLE, "--json", "--beta", "0.25", "--lam", "4", "--no-lp")
    data = json.loads(out)

    assert data["beta"] == 0.25
    assert data["lam"] == 4.0
    assert "coverage_prior_lp" not in data["bounds"]


def test_table_output(capsys):
    code, out, _ = run_cli(capsys, EXAMPLE)

    assert code == 0
    assert "bound/gap" in out
    for name in BOUND_KEYS:
        assert name in out
    assert "NO" not in out


def test_npz_instance(capsys, tmp_path):
    data = json.loads(EXAMPLE.read_text())
    path = tmp_path / "instance.npz"
    np.savez(path, **{key: np.asarray(value) for key, value in data.items()})
    code, out, _ = run_cli(capsys, path, "--json")

    assert code == 0
    assert json.loads(out)["beta"] == data["beta"]


def write_instance(tmp_path, **changes):
    data = json.loads(EXAMPLE.read_text())
    for key, value in changes.items():
        if value is None:
            del data[key]
        else:
            data[key] = value
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize("changes, expected", [
    ({"reward": None}, "missing required key 'reward'"),
    ({"reward": [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]}, "target_policy: expected shape"),
    ({"target_policy": [[0.7, 0.4, 0.0, -0.1], [0.1, 0.6, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25]]}, "target_policy: entry [0, 3] is -0.1"),
    ({"reference_prompter": [[0.2, 0.3, 0.5], [0.5, 0.0, 0.5], [0.1, 0.1, 0.73]]}, "reference_prompter: row [2] sums to 0.93"),
    ({"lam": -1.0}, "lam: got -1.0"),
    ({"beta": 0.0}, "beta: got 0.0"),
    ({"beta": None}, "beta: not set"),
])
def test_malformed_instance_one_line(capsys, tmp_path, changes, expected):
    code, out, err = run_cli(capsys, write_instance(tmp_path, **changes))

    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("align-pro bounds: error: ")
    assert expected in err
    assert "Traceback" not in err


def test_nan_reward_one_line(capsys, tmp_path):
    path = tmp_path / "nan.json"
    path.write_text(EXAMPLE.read_text().replace("-1.0", "NaN", 1))
    code, _, err = run_cli(capsys, path)

    assert code == 2
    assert "reward: entry [0, 3] is nan" in err
    assert err.count("\n") == 1


def test_bad_json_one_line(capsys, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"context_probs": [0.5, 0.5],')
    code, _, err = run_cli(capsys, path)

    assert code == 2
    assert "invalid JSON at line 1" in err
    assert err.count("\n") == 1


def test_missing_file_one_line(capsys, tmp_path):
    code, _, err = run_cli(capsys, tmp_path / "absent.json")

    assert code == 2
    assert "instance file not found" in err
