"""``align-pro eval`` end to end: a tabular instance, input errors, and one run of the embedded model."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import numpy as np
import pytest

from alignpro.cli import main
from bounds import TabularProblem

SUMMARY_ARMS = ("no_prompt_optimization", "align_pro", "oracle_rlhf", "best_of_n")
ARM_KEYS = ("reward_mean", "reward_mean_ci", "reward_variance", "win_rate", "kl")
SMALL = ["--candidates", "3", "--responses", "4", "--max-new-tokens", "8"]


@pytest.fixture()
def instance(tmp_path):
    rng = np.random.default_rng(4)
    problem = TabularProblem(
        context_probs=np.full(3, 1 / 3),
        reward=rng.random((3, 5)),
        target_policy=rng.dirichlet(np.ones(5), size=4),
        reference_prompter=rng.dirichlet(np.ones(4), size=3),
    )
    path = tmp_path / "instance.json"
    problem.save(path)
    return path


def _assert_summary_complete(summary: dict) -> None:
    for arm in SUMMARY_ARMS:
        for key in ARM_KEYS:
            assert key in summary["arms"][arm], (arm, key)
    assert "ci" in summary["measured_gap"]
    assert "value" in summary["bound"]
    assert "versions" in summary["provenance"]


def test_eval_tabular_instance(instance, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["eval", "--model", f"fake:{instance}", "--out", str(out), *SMALL]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    _assert_summary_complete(summary)
    assert summary["settings"]["instance_sha256"]
    assert "RLHF optimum" in capsys.readouterr().out


def test_eval_resume_finished_run_same_summary(instance, tmp_path):
    out = tmp_path / "run"
    assert main(["eval", "--model", f"fake:{instance}", "--out", str(out), *SMALL]) == 0
    first = (out / "summary.json").read_text(encoding="utf-8")
    lines = (out / "samples.jsonl").read_text(encoding="utf-8")

    assert main(["eval", "--model", f"fake:{instance}", "--out", str(out), "--resume", *SMALL]) == 0
    assert (out / "summary.json").read_text(encoding="utf-8") == first
    assert (out / "samples.jsonl").read_text(encoding="utf-8") == lines


def _error_line(capsys) -> str:
    # Standard error may also carry the tqdm progress bar; the error itself is one line, no traceback.
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.startswith("align-pro")]
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("align-pro eval: error:")
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--beta", "0"], "beta"),
        (["--lam", "-0.5"], "lam"),
        (["--candidates", "1"], "candidates"),
        (["--responses", "1"], "responses"),
        (["--num-prompts", "0"], "--num-prompts"),
    ],
)
def test_eval_invalid_number_exit_two(instance, tmp_path, capsys, flags, expected):
    code = main(["eval", "--model", f"fake:{instance}", "--out", str(tmp_path / "run"), *flags])
    assert code == 2
    assert expected in _error_line(capsys)


def test_eval_resume_other_beta_exit_two(instance, tmp_path, capsys):
    out = str(tmp_path / "run")
    assert main(["eval", "--model", f"fake:{instance}", "--out", out, *SMALL]) == 0
    capsys.readouterr()
    assert main(["eval", "--model", f"fake:{instance}", "--out", out, "--resume", "--beta", "0.7", *SMALL]) == 2
    assert "'beta'" in _error_line(capsys)


def test_eval_missing_instance_exit_two(tmp_path, capsys):
    assert main(["eval", "--model", f"fake:{tmp_path / 'absent.json'}", "--out", str(tmp_path / "run")]) == 2
    assert "absent.json" in _error_line(capsys)


def test_eval_unknown_model_exit_two(tmp_path, capsys):
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"prompt": "Say hello."}\n{"prompt": "Name a color."}\n', encoding="utf-8")
    code = main(["eval", "--model", "no-such-model", "--prompts", str(prompts), "--reward", "sentiment", "--out", str(tmp_path / "run")])
    assert code == 2
    assert "no-such-model" in _error_line(capsys)


def _closed_loopback_port() -> int:
    # Bind an ephemeral port on 127.0.0.1 and close it, so a connection to it is refused.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_eval_unreachable_server_exit_two(tmp_path, capsys):
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"prompt": "Say hello."}\n{"prompt": "Name a color."}\n', encoding="utf-8")
    url = f"http://127.0.0.1:{_closed_loopback_port()}/v1"
    code = main(["eval", "--model", f"openai:{url}#m", "--prompts", str(prompts), "--reward", "sentiment",
                 "--num-prompts", "2", "--candidates", "2", "--responses", "2", "--out", str(tmp_path / "run")])
    assert code == 2
    assert url in _error_line(capsys)


def test_eval_missing_vllm_extra_exit_two(tmp_path, capsys):
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"prompt": "Say hello."}\n{"prompt": "Name a color."}\n', encoding="utf-8")
    code = main(["eval", "--model", f"vllm:{tmp_path}", "--prompts", str(prompts), "--reward", "sentiment", "--out", str(tmp_path / "run")])
    assert code == 2
    assert "align-pro[vllm]" in _error_line(capsys)


def test_eval_malformed_prompt_file_names_line(tmp_path, capsys):
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text('{"prompt": "Say hello."}\n{"prompt": \n', encoding="utf-8")
    code = main(["eval", "--prompts", str(prompts), "--reward", "sentiment", "--out", str(tmp_path / "run")])
    assert code == 2
    line = _error_line(capsys)
    assert "prompts.jsonl" in line
    assert "line 2" in line


def test_eval_nan_reward_exit_two_keeps_samples(instance, tmp_path, capsys, monkeypatch):
    from llm_eval.backends.fake import TabularReward

    table_score = TabularReward.score

    def score_with_nan(self, prompts, responses):
        values = table_score(self, prompts, responses)
        if prompts[0] == "x1":
            values[0] = np.nan
        return values

    monkeypatch.setattr(TabularReward, "score", score_with_nan)
    out = tmp_path / "run"
    assert main(["eval", "--model", f"fake:{instance}", "--out", str(out), *SMALL]) == 2
    line = _error_line(capsys)
    assert "reward 'tabular'" in line
    assert "'x1'" in line
    assert '"x0"' in (out / "samples.jsonl").read_text(encoding="utf-8")


@pytest.mark.llm
def test_eval_smollm2_tiny_run(tmp_path):
    out = tmp_path / "tmp"
    command = [
        sys.executable, "-m", "alignpro", "eval", "--model", "smollm2", "--num-prompts", "2", "--candidates", "2",
        "--responses", "2", "--max-new-tokens", "8", "--out", str(out),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    _assert_summary_complete(summary)
    assert summary["num_prompts"] == 2
    assert summary["settings"]["model_files"]
