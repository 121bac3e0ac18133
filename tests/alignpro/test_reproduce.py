"""End-to-end tests of ``align-pro reproduce`` on the ``tiny`` preset.

The evaluation stage runs on the tabular stand-in model (``fake:examples/instance.json``), so the
whole pipeline takes seconds. The embedded language model is exercised by notebooks/03_llm_eval.ipynb.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from alignpro.cli import main
from alignpro.pipeline import STAGES, TINY, ordering_checks, run_reproduce
from alignpro.pipeline.report import write_report

REPOSITORY = Path(__file__).resolve().parents[2]
PRESET = TINY.with_eval(model=f"fake:{REPOSITORY / 'examples' / 'instance.json'}")
PART_HEADINGS = ("## 1. Theory vs simulation", "## 2. Theory vs practice on the real model", "## 3. Results table")


class StopAfterTheory(RuntimeError):
    """Raised by the stage hook to simulate an interruption after the first stage."""


def _stop_after_theory(stage: str) -> None:
    if stage == "theory":
        raise StopAfterTheory(stage)


@pytest.fixture(scope="module")
def resumed_run(tmp_path_factory):
    """Run the tiny preset, interrupt it after the theory stage, then rerun it to the end."""
    out = tmp_path_factory.mktemp("reproduce")
    with pytest.raises(StopAfterTheory):
        run_reproduce(PRESET, out, after_stage=_stop_after_theory)

    ledger_after_interrupt = json.loads((out / "stages.json").read_text())
    theory_mtime = (out / "theory" / "rows.parquet").stat().st_mtime_ns
    result = run_reproduce(PRESET, out)
    return out, result, ledger_after_interrupt, theory_mtime


def _summary(arms: dict[str, float], gap: float, bound: float, half_width: float) -> dict:
    """Build an evaluation summary with the given means and intervals of ± ``half_width``."""
    entries = {
        name: {"reward_mean": mean, "reward_mean_ci": [mean - half_width, mean + half_width], "reward_variance": 0.01,
               "win_rate": 0.5, "kl": 0.0, "kl_method": "zero by definition"}
        for name, mean in arms.items()
    }
    return {
        "num_prompts": 8,
        "arms": entries,
        "measured_gap": {"value": gap, "ci": [gap - half_width, gap + half_width]},
        "bound": {"value": bound, "ci": [bound - half_width, bound + half_width], "kl_oracle_to_induced": 0.1, "span_source": "reward bounds"},
        "settings": {"model_spec": "constructed", "num_candidates": 2, "num_responses": 2, "max_new_tokens": 8, "beta": 0.1, "lam": 0.1},
    }


LOSING_SUMMARY = _summary(
    {"no_prompt_optimization": 0.8, "reference_prompter": 0.7, "align_pro": 0.5, "oracle_rlhf": 0.3, "best_of_n": 0.9},
    gap=0.4, bound=0.1, half_width=0.01,
)
WINNING_SUMMARY = _summary(
    {"no_prompt_optimization": 0.2, "reference_prompter": 0.3, "align_pro": 0.5, "oracle_rlhf": 0.7, "best_of_n": 0.9},
    gap=0.2, bound=0.6, half_width=0.01,
)


def test_resume_skips_finished_stage(resumed_run):
    out, result, ledger_after_interrupt, theory_mtime = resumed_run

    assert list(ledger_after_interrupt) == ["theory"]
    assert result.stages_skipped == ["theory"]
    assert result.stages_run == ["simulation", "evaluation"]
    assert (out / "theory" / "rows.parquet").stat().st_mtime_ns == theory_mtime


def test_finished_run_rebuilds_only_report(resumed_run):
    out, _, _, _ = resumed_run
    (out / "report.md").unlink()
    ledger_before = (out / "stages.json").read_text()

    result = run_reproduce(PRESET, out)

    assert result.stages_run == []
    assert result.stages_skipped == list(STAGES)
    assert (out / "report.md").is_file()
    assert (out / "stages.json").read_text() == ledger_before


def test_every_figure_in_pdf_and_png(resumed_run):
    out, result, _, _ = resumed_run
    figures = [path for stage in STAGES for path in result.figures[stage]]
    stems = {path.rsplit(".", 1)[0] for path in figures}

    # Two theory, seven sweep and two evaluation figures.
    assert len(stems) == 11
    for stem in stems:
        for suffix in (".pdf", ".png"):
            path = out / f"{stem}{suffix}"
            assert path.is_file(), path
            assert path.stat().st_size > 1000, path


def test_report_has_three_parts(resumed_run):
    out, _, _, _ = resumed_run
    report = (out / "report.md").read_text()

    for heading in PART_HEADINGS:
        assert heading in report
    assert report.index(PART_HEADINGS[0]) < report.index(PART_HEADINGS[1]) < report.index(PART_HEADINGS[2])
    for method in ("Raw prompt", "Align-Pro ρ*_λ", "RLHF optimum π*_β", "Best-of-n"):
        assert f"| {method}" in report


def test_report_tables_keep_columns(resumed_run):
    out, _, _, _ = resumed_run
    lines = (out / "report.md").read_text().splitlines()

    widths = []
    for previous, line in zip([""] + lines, lines):
        if not line.startswith("|"):
            continue
        # An unescaped pipe is a column separator; every row of a table must have as many as its header.
        width = len(re.findall(r"(?<!\\)\|", line))
        if not previous.startswith("|"):
            widths.append(width)
        assert width == widths[-1], line
    # The checks, one table per bound (five: the tiny preset skips the LP bound), the measured gap, the results.
    assert len(widths) == 8


def test_variance_intervals_in_table(resumed_run):
    out, _, _, _ = resumed_run
    arms = json.loads((out / "eval" / "summary.json").read_text())["arms"]
    intervals = {name: arm["reward_variance_ci"] for name, arm in arms.items()}
    table = (out / "report.md").read_text().split("## 3. Results table")[1]

    assert set(intervals) == {"no_prompt_optimization", "reference_prompter", "align_pro", "oracle_rlhf", "best_of_n"}
    for name, (low, high) in intervals.items():
        assert 0.0 <= low <= high, name
        assert f"[{low:.4f}, {high:.4f}]" in table, name
    assert "n/a" not in table


def test_report_links_resolve(resumed_run):
    out, _, _, _ = resumed_run
    links = re.findall(r"\]\(([^)]+)\)", (out / "report.md").read_text())

    assert len(links) == 22
    for link in links:
        assert not Path(link).is_absolute(), link
        assert (out / link).is_file(), link


def test_theory_checks_pass_on_tiny_run(resumed_run):
    out, _, _, _ = resumed_run
    checks = json.loads((out / "theory" / "checks.json").read_text())["checks"]

    assert [check["check"] for check in checks] == ["bounds_hold", "t8_identity", "reduction", "t1_tight", "t4_frontier"]
    for check in checks:
        assert check["passed"], check


def test_orderings_state_losses_plainly():
    checks = {check.name: check for check in ordering_checks(LOSING_SUMMARY)}

    for name in ("align_pro_vs_reference", "align_pro_vs_raw", "rlhf_vs_align_pro", "bound_vs_gap"):
        assert not checks[name].held, name
        assert checks[name].resolved, name
        assert checks[name].statement.startswith("Did not hold:"), checks[name].statement
    assert checks["best_of_n_vs_raw"].held
    assert "0.5000 [0.4900, 0.5100]" in checks["align_pro_vs_raw"].statement


def test_orderings_report_wins_and_overlap():
    held = ordering_checks(WINNING_SUMMARY)
    wide = ordering_checks(_summary({name: 0.5 + 0.01 * i for i, name in enumerate(WINNING_SUMMARY["arms"])}, gap=0.1, bound=0.2, half_width=0.3))

    for check in held:
        assert check.held and check.resolved, check.name
        assert check.statement.startswith("Held, and the 95 % intervals do not overlap."), check.statement
    for check in wide:
        assert check.held and not check.resolved, check.name
        assert "does not settle the order" in check.statement


def test_report_lists_losses_under_findings(resumed_run):
    out, result, _, _ = resumed_run
    (out / "eval" / "summary.json").write_text(json.dumps(LOSING_SUMMARY))

    report = write_report(out, "tiny", result.figures, {stage: 1.0 for stage in STAGES}).read_text()
    findings = report.split("## Findings that did not match theory")[1].split("## 1.")[0]

    assert findings.count("- Did not hold:") == 4
    assert "measured T2 bound is below the measured gap" in findings


def test_changed_settings_rejected(resumed_run):
    out, _, _, _ = resumed_run
    changed = PRESET.with_eval(max_new_tokens=9)

    with pytest.raises(ValueError, match="stage 'evaluation'.*max_new_tokens"):
        run_reproduce(changed, out)


def test_cli_rejects_bad_jobs(capsys):
    status = main(["reproduce", "--jobs", "0", "--out", "unused"])

    assert status == 2
    assert "align-pro reproduce: error: --jobs: got 0" in capsys.readouterr().err


def test_cli_missing_sweep_config(tmp_path, capsys):
    missing = tmp_path / "missing.toml"
    status = main(["reproduce", "--quick", "--sweep-config", str(missing), "--out", str(tmp_path / "out")])

    assert status == 2
    assert f"{missing}" in capsys.readouterr().err
