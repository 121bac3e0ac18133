"""Rewards on known texts, composite parsing and the local sequence-classification reward."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from llm_eval.rewards import load_reward
from llm_eval.rewards.composite import parse_terms
from llm_eval.rewards.relevance import minilm_folder


@pytest.fixture(scope="module")
def relevance():
    return load_reward("relevance")


def test_sentiment_orders_texts():
    reward = load_reward("sentiment")
    scores = reward.score(["q"] * 3, ["I love this, it is wonderful!", "The box is on the table.", "This is awful and I hate it."])

    assert scores.dtype == np.float64
    assert scores.shape == (3,)
    assert scores[0] > scores[1] > scores[2]
    assert reward.bounds == (0.0, 1.0)


def test_sentiment_is_mapped_compound():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    text = "Great job, thanks a lot!"
    compound = SentimentIntensityAnalyzer().polarity_scores(text)["compound"]
    assert load_reward("sentiment").score(["q"], [text])[0] == pytest.approx((compound + 1) / 2, abs=1e-15)


def test_empty_response_is_finite(relevance):
    for reward in (load_reward("sentiment"), load_reward("non_offensive"), relevance):
        score = reward.score(["Tell me a story."], [""])[0]
        assert np.isfinite(score), reward.name
        assert 0.0 <= score <= 1.0, reward.name
    assert load_reward("sentiment").score(["q"], [""])[0] == 0.5


def test_non_offensive_separates_texts():
    reward = load_reward("non_offensive")
    scores = reward.score(["q", "q"], ["Thank you for the kind help with my homework.", "Shut up, you fucking idiot."])

    assert scores[0] > 0.9
    assert scores[1] < 0.5
    assert reward.bounds == (0.0, 1.0)


def test_relevance_prefers_on_topic(relevance):
    prompt = "How do I bake bread at home?"
    scores = relevance.score([prompt, prompt], ["Mix flour, water, yeast and salt, let it rise, then bake it.", "The stock market fell today."])
    assert scores[0] > scores[1]
    assert np.all((scores >= 0) & (scores <= 1))


def test_relevance_of_identical_text_is_one(relevance):
    text = "Paris is the capital of France."
    # Unit vectors in float32 have a cosine of 1 up to about 1e-7.
    assert relevance.score([text], [text])[0] == pytest.approx(1.0, abs=1e-6)


def test_relevance_independent_of_batching(relevance):
    prompts = ["Short question?", "A much longer question about the history of the Roman empire and its roads?", "Hi"]
    responses = ["Yes.", "The Romans built roads across Europe for armies and trade.", "Hello, how can I help?"]
    together = relevance.score(prompts, responses)
    relevance.batch_size = 1
    try:
        alone = relevance.score(prompts, responses)
    finally:
        relevance.batch_size = 64
    # Padding only changes float32 summation order inside the encoder.
    np.testing.assert_allclose(together, alone, rtol=0, atol=1e-5)


def test_composite_is_weighted_sum(relevance):
    prompts = ["What is a cat?", "Say something nice."]
    responses = ["A cat is a small furry animal.", "You idiot."]
    composite = load_reward("0.3*non_offensive + 0.7*relevance")
    expected = 0.3 * load_reward("non_offensive").score(prompts, responses) + 0.7 * relevance.score(prompts, responses)

    np.testing.assert_allclose(composite.score(prompts, responses), expected, rtol=0, atol=1e-12)
    assert composite.bounds == pytest.approx((0.0, 1.0))
    assert composite.name == "0.3*non_offensive+0.7*relevance"


def test_parse_terms_defaults_weight_one():
    assert parse_terms("sentiment+2*relevance") == [(1.0, "sentiment"), (2.0, "relevance")]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("0.5*toxicity+0.5*relevance", "unknown reward 'toxicity'"),
        ("abc*relevance", "weight 'abc'"),
        ("-1*relevance", "positive and finite"),
        ("0.5*", "names no reward"),
        ("", "is empty"),
        ("nonsense", "unknown reward 'nonsense'"),
    ],
)
def test_bad_specs_rejected(spec, message):
    with pytest.raises(ValueError, match=message):
        load_reward(spec)


def test_length_mismatch_rejected():
    with pytest.raises(ValueError, match="2 prompts and 1 responses"):
        load_reward("sentiment").score(["a", "b"], ["c"])


@pytest.mark.parametrize("labels", [{0: "LABEL_0"}, {0: "NEGATIVE", 1: "POSITIVE"}])
def test_hf_reward_uses_expected_logit(tmp_path, labels):
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        num_labels=len(labels), id2label=labels, label2id={v: k for k, v in labels.items()},
    )
    model = BertForSequenceClassification(config).eval()
    tokenizer = AutoTokenizer.from_pretrained(minilm_folder(), local_files_only=True)
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)

    prompts, responses = ["Is water wet?", "Name a fruit."], ["Yes, it is.", "An apple, which is a popular fruit."]
    reward = load_reward(f"hf:{tmp_path}")
    with torch.inference_mode():
        logits = model(**tokenizer(prompts, responses, padding=True, return_tensors="pt")).logits
    column = len(labels) - 1  # the single logit, or the POSITIVE class at index 1

    # Same weights and inputs, run once per batch: float32 rounding only.
    np.testing.assert_allclose(reward.score(prompts, responses), logits[:, column].double().numpy(), rtol=0, atol=1e-5)
    assert reward.bounds is None


def test_hf_reward_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="has no config.json"):
        load_reward(f"hf:{tmp_path / 'absent'}")
