"""The optional vLLM backend: without vLLM installed it fails with the install command."""

from __future__ import annotations

import importlib.util

import pytest

from llm_eval.backends import load_backend


def test_vllm_absent_on_this_machine():
    # The message test below is only meaningful while vLLM is not installed (CPU-only CI).
    assert importlib.util.find_spec("vllm") is None


def test_missing_vllm_names_install_command(tmp_path):
    with pytest.raises(ImportError, match=r"pip install align-pro\[vllm\]"):
        load_backend(f"vllm:{tmp_path}")


def test_missing_folder_reported_first(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such folder"):
        load_backend(f"vllm:{tmp_path / 'absent'}")


def test_vllm_invalid_dtype(tmp_path):
    with pytest.raises(ValueError, match="dtype='float16'"):
        load_backend(f"vllm:{tmp_path}", dtype="float16")
