"""The transformers backend on the embedded SmolLM2-135M-Instruct GGUF, with tiny inputs.

The module dequantizes the GGUF once into a temporary cache (about 18 s on two cores), so the
cache-miss path runs in every test session; the other tests reuse the backend loaded from it.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from llm_eval.backends import load_backend
from llm_eval.backends import model_cache

pytestmark = pytest.mark.llm

CHATS = [
    [{"role": "user", "content": "Say hello."}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is the capital of France?"}],
    [{"role": "user", "content": "Name a color."}],
]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("alignpro-cache")


@pytest.fixture(scope="module")
def dequantized(cache_dir):
    """The in-memory model and tokenizer straight from the GGUF, written to the cache as a side effect."""
    gguf_path = model_cache.smollm2_gguf_path()
    folder = model_cache.gguf_cache_folder(gguf_path, "smollm2", cache_dir)
    model, tokenizer = model_cache.dequantize_gguf_to_cache(gguf_path, folder)
    return model.eval(), tokenizer, folder


@pytest.fixture(scope="module")
def backend(dequantized, cache_dir):
    return load_backend("smollm2", cache_dir=str(cache_dir), batch_size=4)


def test_cached_reload_identical_logits(dequantized, backend):
    model, tokenizer, folder = dequantized
    ids = torch.tensor([tokenizer("The quick brown fox jumps over the lazy dog.")["input_ids"]])
    with torch.inference_mode():
        original = model(input_ids=ids).logits
        reloaded = backend.model(input_ids=ids).logits

    assert (folder / "model.safetensors").is_file()
    assert torch.equal(original, reloaded)


def test_cache_leaves_no_partial_folder(dequantized):
    _, _, folder = dequantized
    leftovers = [path.name for path in folder.parent.iterdir() if ".partial-" in path.name]
    assert leftovers == []


def test_interrupted_write_leaves_no_folder(tmp_path):
    target = tmp_path / "models" / "smollm2-0123"

    def write_then_die(staging):
        (staging / "config.json").write_text("{}")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model_cache.write_folder_atomically(target, write_then_die)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_cache_root_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("ALIGNPRO_CACHE_DIR", str(tmp_path / "env"))
    assert model_cache.cache_root() == tmp_path / "env"
    assert model_cache.cache_root(tmp_path / "arg") == tmp_path / "arg"


def test_seeded_sampling_reproducible(backend):
    torch.manual_seed(123)
    expected_global = torch.rand(3)

    torch.manual_seed(123)
    first = backend.sample(CHATS[:2], 2, max_new_tokens=6, seed=7)
    after_global = torch.rand(3)
    again = backend.sample(CHATS[:2], 2, max_new_tokens=6, seed=7)
    other = backend.sample(CHATS[:2], 2, max_new_tokens=6, seed=8)

    assert len(first) == 2
    assert all(len(row) == 2 for row in first)
    assert first == again
    assert first != other
    assert torch.equal(after_global, expected_global)


def test_batched_log_probs_match_single(backend):
    continuations = ["Hello! How are you today?", "Paris.", "Blue"]
    batched = backend.log_probs(CHATS, continuations)
    single = np.array([backend.log_probs([chat], [text])[0] for chat, text in zip(CHATS, continuations)])

    assert batched.dtype == np.float64
    assert batched.shape == (3,)
    assert np.all(np.isfinite(batched))
    assert np.all(batched < 0)
    # Left padding changes float32 summation order only; sums of <= 8 token terms agree to 1e-3 nats.
    np.testing.assert_allclose(batched, single, rtol=0, atol=1e-3)


def test_empty_continuation_scores_zero(backend):
    assert backend.log_probs(CHATS[:1], [""])[0] == 0.0


def test_log_probs_match_generation_scores(backend):
    """Teacher-forced log_probs equal the sum of the per-step sampling log-probabilities."""
    model, tokenizer = backend.model, backend.tokenizer
    prompt_ids = backend.prompt_ids(CHATS[1])
    torch.manual_seed(0)
    with torch.inference_mode():
        output = model.generate(
            input_ids=torch.tensor([prompt_ids] * 4),
            attention_mask=torch.ones(4, len(prompt_ids), dtype=torch.long),
            do_sample=True,
            top_k=0,
            top_p=1.0,
            temperature=1.0,
            max_new_tokens=8,
            output_logits=True,
            return_dict_in_generate=True,
            pad_token_id=backend.pad_id,
        )

    step_log_probs = torch.log_softmax(torch.stack(output.logits, dim=1).float(), dim=-1)
    compared = 0
    for row, tokens in enumerate(output.sequences[:, len(prompt_ids):].tolist()):
        stop = next((i for i, token in enumerate(tokens) if token in backend.stop_ids), len(tokens))
        text = tokenizer.decode(tokens[:stop], skip_special_tokens=True)
        if backend.continuation_ids(text) != tokens[:stop]:
            continue  # decoding then re-encoding produced other tokens, so the sums score different sequences
        expected = float(sum(step_log_probs[row, i, token] for i, token in enumerate(tokens[:stop])))
        scored = backend.log_probs([CHATS[1]], [text])[0]
        assert np.isfinite(scored)
        # Cached incremental decoding and one full forward pass differ by float32 rounding only.
        assert abs(scored - expected) < 1e-3
        compared += 1
    assert compared >= 2


def test_bfloat16_close_to_float32(backend, cache_dir):
    half = load_backend("smollm2", cache_dir=str(cache_dir), dtype="bfloat16")
    continuations = ["Hello! How are you today?", "Paris."]

    reference = backend.log_probs(CHATS[:2], continuations)
    approximate = half.log_probs(CHATS[:2], continuations)

    assert half.model.dtype == torch.bfloat16
    assert np.all(np.isfinite(approximate))
    # bfloat16 keeps 8 mantissa bits; bench_llm measured at most 1.4% relative error on 32-token sums.
    np.testing.assert_allclose(approximate, reference, rtol=0.05)


def test_local_folder_by_path(dequantized):
    _, _, folder = dequantized
    by_path = load_backend(str(folder), batch_size=2)
    assert by_path.name == str(folder)
    assert by_path.batch_size == 2


def test_unknown_model_lists_accepted():
    with pytest.raises(FileNotFoundError, match=r"'no-such-model'.*'smollm2'"):
        load_backend("no-such-model")


def test_folder_without_config_rejected(tmp_path):
    with pytest.raises(ValueError, match="has no config.json"):
        load_backend(str(tmp_path))


def test_invalid_dtype_rejected(cache_dir):
    with pytest.raises(ValueError, match="dtype='float16'"):
        load_backend("smollm2", cache_dir=str(cache_dir), dtype="float16")


def test_mismatched_lengths_rejected(backend):
    with pytest.raises(ValueError, match="2 chats and 1 continuations"):
        backend.log_probs(CHATS[:2], ["x"])
