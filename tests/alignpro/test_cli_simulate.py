"""``align-pro simulate``: text and JSON output on one instance, one-line errors."""

import json

from alignpro.cli import main


def test_simulate_json_matches_closed_forms(capsys):
    status = main(["simulate", "--family", "coverage", "--knob", "coverage=0.8", "--samples", "64", "--seed", "3", "--json"])
    summary = json.loads(capsys.readouterr().out)

    assert status == 0
    assert set(summary["bounds"]) >= {"holder_tv", "pinsker", "bretagnolle_huber", "coverage_prior", "paper_t0"}
    assert all(entry["holds"] for entry in summary["bounds"].values())
    assert summary["learners"]["plugin_prompter"]["bounds_hold"]
    # 64,000 samples per policy-gradient run bring every probability within about 0.05 of the optimum.
    assert summary["learners"]["prompter_policy_gradient"]["final_tv_to_optimum"] < 0.1
    assert summary["learners"]["fine_tuning_policy_gradient"]["final_tv_to_optimum"] < 0.1


def test_simulate_identity_gap_is_zero(capsys):
    status = main(["simulate", "--family", "identity", "--m", "5", "--k", "5", "--beta", "0.7", "--lam", "0.7", "--samples", "16", "--json"])
    summary = json.loads(capsys.readouterr().out)

    assert status == 0
    # Equal temperatures make the two optima the same tilt; rounding only.
    assert abs(summary["exact"]["gap"]) < 1e-12


def test_simulate_text_output(capsys):
    status = main(["simulate", "--samples", "16"])
    output = capsys.readouterr().out

    assert status == 0
    assert "gap =" in output
    assert "holder_tv" in output
    assert "plugin_prompter" in output


def test_simulate_bad_input_is_one_line(capsys):
    for argv, expected in (
        (["simulate", "--family", "gauss"], "unknown family 'gauss'"),
        (["simulate", "--family", "prior", "--knob", "prior_mass=2"], "knob 'prior_mass'"),
        (["simulate", "--knob", "concentration"], "--knob: got 'concentration'"),
        (["simulate", "--beta", "-1"], "beta"),
    ):
        status = main(argv)
        error = capsys.readouterr().err
        assert status == 2
        assert error.startswith("align-pro simulate: error:")
        assert expected in error
        assert len(error.strip().splitlines()) == 1
