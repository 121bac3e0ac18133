"""The evaluation runner: records, summary keys, resume after interruptions, and error handling."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from tabular_samples import random_problem

from llm_eval.backends.fake import tabular_fakes
from llm_eval.prompts import PromptRecord
from llm_eval.runner import EvalSettings, run_evaluation

SETTINGS = EvalSettings(num_candidates=3, num_responses=4, beta=0.3, lam=0.2, seed=5)
NUM_CONTEXTS = 4
ARM_KEYS = {"reward_mean", "reward_mean_ci", "reward_variance", "win_rate", "kl"}

# One candidates record, (K + 1) · M responses and M log-probability records per prompt.
RECORDS_PER_PROMPT = 1 + (SETTINGS.num_candidates + 1) * SETTINGS.num_responses + SETTINGS.num_responses


@pytest.fixture(scope="module")
def problem():
    return random_problem(seed=21, n=NUM_CONTEXTS, m=5, k=6)


def _setup(problem):
    backend, prompter, reward = tabular_fakes(problem)
    prompts = [PromptRecord(id=label, text=label, source="tabular", meta={}) for label in prompter.labels.contexts]
    return backend, prompts, prompter, reward


def _run(problem, out, *, resume=False, reward=None, settings=SETTINGS):
    backend, prompts, prompter, table_reward = _setup(problem)
    return run_evaluation(backend, prompts, prompter, reward or table_reward, settings, out, resume=resume)


def _keys(out: Path) -> list[tuple]:
    lines = (out / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    return [tuple(json.loads(line)["key"]) for line in lines]


@pytest.fixture(scope="module")
def reference_run(problem, tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    return out, _run(problem, out)


class InterruptingReward:
    """The table reward, raising KeyboardInterrupt on call number ``stop_at`` (a user pressing Ctrl-C)."""

    def __init__(self, reward, stop_at):
        self.reward, self.stop_at, self.calls = reward, stop_at, 0
        self.name, self.bounds = reward.name, reward.bounds

    def score(self, prompts, responses):
        self.calls += 1
        if self.calls == self.stop_at:
            raise KeyboardInterrupt
        return self.reward.score(prompts, responses)


class NanReward(InterruptingReward):
    """The table reward returning NaN for one response on call number ``stop_at``."""

    def score(self, prompts, responses):
        self.calls += 1
        values = self.reward.score(prompts, responses)
        if self.calls == self.stop_at:
            values[1] = np.nan
        return values


def test_run_writes_all_records_and_keys(reference_run):
    out, summary = reference_run
    keys = _keys(out)
    assert len(keys) == NUM_CONTEXTS * RECORDS_PER_PROMPT
    assert len(set(keys)) == len(keys)

    assert set(summary["arms"]) >= {"no_prompt_optimization", "align_pro", "oracle_rlhf", "best_of_n"}
    for arm in summary["arms"].values():
        assert ARM_KEYS <= set(arm)
        assert len(arm["reward_mean_ci"]) == 2
    assert {"value", "ci"} <= set(summary["measured_gap"])
    assert {"value", "ci", "span_source"} <= set(summary["bound"])
    assert json.loads((out / "summary.json").read_text(encoding="utf-8")) == summary
    assert "| Align-Pro" in (out / "summary.md").read_text(encoding="utf-8")
    assert "evaluating 4 prompts" in (out / "run.log").read_text(encoding="utf-8")


def test_interrupted_run_resumes_identically(problem, reference_run, tmp_path):
    reference_out, reference_summary = reference_run
    reward = InterruptingReward(tabular_fakes(problem)[2], stop_at=3)
    with pytest.raises(KeyboardInterrupt):
        _run(problem, tmp_path, reward=reward)
    partial = _keys(tmp_path)
    assert 0 < len(partial) < NUM_CONTEXTS * RECORDS_PER_PROMPT

    summary = _run(problem, tmp_path, resume=True)
    keys = _keys(tmp_path)
    assert len(keys) == len(set(keys))
    assert sorted(keys) == sorted(_keys(reference_out))
    assert keys[: len(partial)] == partial
    assert summary == reference_summary


def test_killed_process_resumes_identically(problem, reference_run, tmp_path):
    # A child process runs the same evaluation with a slow reward. It is killed with SIGKILL once
    # the first prompt is recorded, so the kill can land in the middle of a line.
    reference_out, reference_summary = reference_run
    instance = tmp_path / "instance.json"
    problem.save(instance)
    out = tmp_path / "run"
    script = f"""
import sys, time
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_runner import SETTINGS, _setup
from bounds import load_instance
from llm_eval.runner import run_evaluation
problem, _ = load_instance({str(instance)!r})
backend, prompts, prompter, reward = _setup(problem)
score = reward.score
def slow_score(prompts_, responses):
    time.sleep(0.5)
    return score(prompts_, responses)
reward.score = slow_score
run_evaluation(backend, prompts, prompter, reward, SETTINGS, {str(out)!r})
"""
    child = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE)
    samples = out / "samples.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if samples.exists() and samples.read_bytes().count(b"\n") >= RECORDS_PER_PROMPT:
            break
        assert child.poll() is None, child.stderr.read().decode()
        time.sleep(0.02)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert samples.read_bytes().count(b"\n") < NUM_CONTEXTS * RECORDS_PER_PROMPT

    summary = _run(problem, out, resume=True)
    keys = _keys(out)
    assert len(keys) == len(set(keys))
    assert sorted(keys) == sorted(_keys(reference_out))
    assert summary == reference_summary


def test_truncated_last_line_dropped(problem, reference_run, tmp_path):
    reference_out, reference_summary = reference_run
    _run(problem, tmp_path)
    samples = tmp_path / "samples.jsonl"
    data = samples.read_bytes()
    cut = data.rfind(b"\n", 0, len(data) // 2) + 25
    samples.write_bytes(data[:cut])

    summary = _run(problem, tmp_path, resume=True)
    keys = _keys(tmp_path)
    assert len(keys) == len(set(keys))
    assert sorted(keys) == sorted(_keys(reference_out))
    assert summary == reference_summary


def test_damaged_middle_line_rejected(problem, tmp_path):
    _run(problem, tmp_path)
    samples = tmp_path / "samples.jsonl"
    lines = samples.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = "{not json\n"
    samples.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ValueError, match="line 3"):
        _run(problem, tmp_path, resume=True)


def test_resume_with_other_setting_rejected(problem, tmp_path):
    _run(problem, tmp_path)
    changed = EvalSettings(num_candidates=3, num_responses=4, beta=0.5, lam=0.2, seed=5)
    with pytest.raises(ValueError, match="'beta' was 0.3"):
        _run(problem, tmp_path, resume=True, settings=changed)


def test_existing_run_without_resume_rejected(problem, tmp_path):
    _run(problem, tmp_path)
    with pytest.raises(ValueError, match="--resume"):
        _run(problem, tmp_path)


def test_nan_reward_keeps_earlier_samples(problem, reference_run, tmp_path):
    reference_out, reference_summary = reference_run
    reward = NanReward(tabular_fakes(problem)[2], stop_at=2)
    with pytest.raises(ValueError, match=r"reward 'tabular'.*prompt id 'x1'"):
        _run(problem, tmp_path, reward=reward)
    kept = _keys(tmp_path)
    assert len(kept) == RECORDS_PER_PROMPT + 1
    assert all(key[0] == "x0" for key in kept[:RECORDS_PER_PROMPT])

    summary = _run(problem, tmp_path, resume=True)
    assert summary == reference_summary


@pytest.mark.parametrize(
    ("field", "settings"),
    [
        ("candidates", dict(num_candidates=1)),
        ("responses", dict(num_responses=1)),
        ("beta", dict(beta=0.0)),
        ("lam", dict(lam=-1.0)),
        ("best_of_n", dict(num_responses=4, best_of_n=5)),
    ],
)
def test_invalid_settings_rejected(field, settings):
    with pytest.raises(ValueError, match=field):
        EvalSettings(**settings)
