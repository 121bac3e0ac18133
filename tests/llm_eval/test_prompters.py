"""Reference prompters: template priors, sampling frequencies, and the model rewriter."""

from __future__ import annotations

import math

import numpy as np
import pytest

from llm_eval.backends import load_backend
from llm_eval.backends.base import LanguageModelBackend
from llm_eval.prompters import (
    DEFAULT_TEMPLATES,
    RewriterPrompter,
    Template,
    TemplatePrompter,
    load_prompter,
)

LIBRARY = [Template("plain"), Template("sys", system="Be kind."), Template("pre", prefix="Q: ")]


class ScriptedBackend(LanguageModelBackend):
    """Returns fixed rewrites and log-probabilities, recording the calls."""

    name = "scripted"

    def __init__(self, rewrites, log_probs):
        self.rewrites, self.values, self.calls = rewrites, np.asarray(log_probs, dtype=np.float64), []

    def sample(self, chats, num_samples, *, max_new_tokens, temperature=1.0, seed=0):
        self.calls.append(("sample", chats, num_samples, seed))
        return [self.rewrites[:num_samples] for _ in chats]

    def log_probs(self, chats, continuations):
        self.calls.append(("log_probs", chats, list(continuations)))
        return self.values[: len(continuations)]


def test_template_rendering():
    assert LIBRARY[0].render("Hi") == [{"role": "user", "content": "Hi"}]
    assert LIBRARY[1].render("Hi") == [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi"}]
    assert LIBRARY[2].render("Hi") == [{"role": "user", "content": "Q: Hi"}]


def test_log_prior_is_normalized_weight():
    prompter = TemplatePrompter(LIBRARY, [1.0, 2.0, 5.0])
    for candidate in prompter.sample_candidates("Hi", 20, seed=0):
        weight = {"plain": 1.0, "sys": 2.0, "pre": 5.0}[candidate.label]
        assert candidate.log_prior == pytest.approx(math.log(weight / 8.0), abs=1e-15)
        assert candidate.text == candidate.label


def test_sampling_frequencies_match_prior():
    prompter = TemplatePrompter(LIBRARY, [1.0, 2.0, 5.0])
    draws = 20_000
    labels = [candidate.label for candidate in prompter.sample_candidates("Hi", draws, seed=11)]
    for label, probability in zip(["plain", "sys", "pre"], [1 / 8, 2 / 8, 5 / 8]):
        frequency = labels.count(label) / draws
        standard_error = math.sqrt(probability * (1 - probability) / draws)
        # A correct sampler lands within 4 standard errors except with probability ~6e-5.
        assert abs(frequency - probability) < 4 * standard_error, label


def test_sampling_is_seeded():
    prompter = TemplatePrompter.default()
    first = prompter.sample_candidates("Hi", 8, seed=2)
    assert first == prompter.sample_candidates("Hi", 8, seed=2)
    assert [c.label for c in first] != [c.label for c in prompter.sample_candidates("Hi", 8, seed=3)]


def test_default_library():
    prompter = TemplatePrompter.default()
    assert len(prompter.templates) == len(DEFAULT_TEMPLATES) == 6
    assert prompter.probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    assert prompter.raw_chat("Hi") == [{"role": "user", "content": "Hi"}]
    assert prompter.templates[int(np.argmax(prompter.probabilities))].label == "neutral"


@pytest.mark.parametrize(
    ("templates", "weights", "message"),
    [
        ([], None, "templates is empty"),
        ([Template("a"), Template("a")], None, "repeat"),
        (LIBRARY, [1.0, 0.0, 1.0], "positive and finite"),
        (LIBRARY, [1.0, 2.0], "one weight per template"),
    ],
)
def test_invalid_library_rejected(templates, weights, message):
    with pytest.raises(ValueError, match=message):
        TemplatePrompter(templates, weights)


def test_rewriter_uses_backend_log_probs():
    backend = ScriptedBackend([" Please explain tides. ", ""], [-3.5, 0.0])
    prompter = RewriterPrompter(backend, instruction="Rewrite: ", max_new_tokens=5)
    candidates = prompter.sample_candidates("tides?", 2, seed=9)

    assert backend.calls[0] == ("sample", [[{"role": "user", "content": "Rewrite: tides?"}]], 2, 9)
    assert backend.calls[1][2] == [" Please explain tides. ", ""]
    assert [c.log_prior for c in candidates] == [-3.5, 0.0]
    assert candidates[0].chat == [{"role": "user", "content": "Please explain tides."}]
    assert candidates[1].chat == [{"role": "user", "content": "tides?"}]
    assert candidates[1].text == ""


@pytest.mark.llm
def test_rewriter_on_smollm2():
    backend = load_backend("smollm2")
    prompter = load_prompter("rewriter", backend)
    prompter.max_new_tokens = 8
    candidates = prompter.sample_candidates("how make bread", 2, seed=1)

    assert len(candidates) == 2
    assert candidates == prompter.sample_candidates("how make bread", 2, seed=1)
    for candidate in candidates:
        assert np.isfinite(candidate.log_prior)
        assert candidate.log_prior <= 0.0
        assert candidate.chat[-1]["content"] == (candidate.text or "how make bread")


def test_load_prompter_specs():
    assert isinstance(load_prompter("templates", None), TemplatePrompter)
    with pytest.raises(ValueError, match=r"unknown prompter 'magic'.*'templates'"):
        load_prompter("magic", None)
