"""The tabular backend, prompter and reward reproduce the distributions of their problem."""

from __future__ import annotations

import numpy as np
import pytest
from tabular_samples import random_problem

from llm_eval.backends.fake import TabularLabels, tabular_fakes

DRAWS = 20000


@pytest.fixture(scope="module")
def fakes():
    problem = random_problem(seed=3)
    return (problem, *tabular_fakes(problem))


def _frequencies(labels: list[str], names: tuple[str, ...]) -> np.ndarray:
    index = {name: i for i, name in enumerate(names)}
    counts = np.bincount([index[label] for label in labels], minlength=len(names))
    return counts / len(labels)


def _assert_matches(frequencies: np.ndarray, probs: np.ndarray) -> None:
    # Each frequency is a binomial proportion; 4.5 standard errors per cell keeps the family-wise
    # false-alarm rate below 1e-4 over the few cells checked.
    standard_error = np.sqrt(probs * (1 - probs) / DRAWS)
    assert np.all(np.abs(frequencies - probs) <= 4.5 * standard_error + 1e-12)


def test_candidate_chat_samples_target_row(fakes):
    problem, backend, prompter, _ = fakes
    chat = [{"role": "system", "content": "p2"}, {"role": "user", "content": "x1"}]
    [responses] = backend.sample([chat], DRAWS, max_new_tokens=1, seed=5)
    _assert_matches(_frequencies(responses, prompter.labels.responses), problem.target_policy[2])


def test_raw_chat_samples_reference_policy(fakes):
    problem, backend, prompter, _ = fakes
    [responses] = backend.sample([prompter.raw_chat("x0")], DRAWS, max_new_tokens=1, seed=6)
    _assert_matches(_frequencies(responses, prompter.labels.responses), problem.reference_policy[0])


def test_log_probs_are_exact(fakes):
    problem, backend, _, _ = fakes
    chats = [[{"role": "system", "content": "p1"}, {"role": "user", "content": "x2"}], [{"role": "user", "content": "x2"}]]
    values = backend.log_probs(chats, ["y3", "y4"])
    assert values[0] == np.log(problem.target_policy[1, 3])
    assert values[1] == np.log(problem.reference_policy[2, 4])


def test_log_probs_unknown_response_minus_inf(fakes):
    _, backend, _, _ = fakes
    assert backend.log_probs([[{"role": "user", "content": "x0"}]], ["not a label"])[0] == -np.inf


def test_same_seed_same_samples(fakes):
    _, backend, prompter, _ = fakes
    chats = [prompter.raw_chat("x1"), [{"role": "system", "content": "p0"}, {"role": "user", "content": "x1"}]]
    first = backend.sample(chats, 50, max_new_tokens=1, seed=9)
    assert first == backend.sample(chats, 50, max_new_tokens=1, seed=9)
    assert first != backend.sample(chats, 50, max_new_tokens=1, seed=10)


def test_prompter_draws_reference_prompter(fakes):
    problem, _, prompter, _ = fakes
    candidates = prompter.sample_candidates("x2", DRAWS, seed=4)
    _assert_matches(_frequencies([c.label for c in candidates], prompter.labels.prompts), problem.reference_prompter[2])

    first = candidates[0]
    assert first.log_prior == np.log(problem.reference_prompter[2, prompter.labels.prompts.index(first.label)])
    assert first.chat == [{"role": "system", "content": first.label}, {"role": "user", "content": "x2"}]


def test_reward_reads_table(fakes):
    problem, _, _, reward = fakes
    np.testing.assert_array_equal(reward.score(["x0", "x2"], ["y1", "y4"]), [problem.reward[0, 1], problem.reward[2, 4]])
    assert reward.bounds == (problem.reward.min(), problem.reward.max())


def test_unknown_chat_rejected(fakes):
    _, backend, _, _ = fakes
    with pytest.raises(ValueError, match="context label"):
        backend.sample([[{"role": "user", "content": "x9"}]], 1, max_new_tokens=1)
    with pytest.raises(ValueError, match="prompt label"):
        backend.sample([[{"role": "system", "content": "q"}, {"role": "user", "content": "x0"}]], 1, max_new_tokens=1)


def test_temperature_other_than_one_rejected(fakes):
    _, backend, prompter, _ = fakes
    with pytest.raises(ValueError, match="temperature"):
        backend.sample([prompter.raw_chat("x0")], 1, max_new_tokens=1, temperature=0.7)


def test_duplicate_labels_rejected():
    problem = random_problem(seed=1, n=2, m=2, k=2)
    labels = TabularLabels(("a", "a"), ("p", "q"), ("y", "z"))
    with pytest.raises(ValueError, match="context labels"):
        tabular_fakes(problem, labels)
