"""Task presets name valid prompt sources, rewards and prompters."""

from __future__ import annotations

import pytest

from llm_eval.prompters import PROMPTERS
from llm_eval.prompts import BUILTIN_SOURCES
from llm_eval.rewards import BUILTIN_REWARDS
from llm_eval.rewards.composite import parse_terms
from llm_eval.tasks import DEFAULT_TASK, TASKS, get_task


def test_required_presets_present():
    assert {"rtp-safe", "ifbench-relevance", "donotanswer-safe"} <= set(TASKS)
    assert DEFAULT_TASK == "rtp-safe"
    assert get_task("rtp-safe").reward == "0.5*non_offensive+0.5*relevance"
    assert get_task("ifbench-relevance").prompts == "ifbench"


@pytest.mark.parametrize("name", sorted(TASKS))
def test_preset_parts_resolve(name):
    preset = get_task(name)
    assert preset.name == name
    assert preset.prompts in BUILTIN_SOURCES
    assert preset.prompter in PROMPTERS
    assert all(term in BUILTIN_REWARDS for _, term in parse_terms(preset.reward))
    assert preset.description


def test_unknown_task_lists_names():
    with pytest.raises(ValueError, match=r"unknown task 'nope'.*'rtp-safe'"):
        get_task("nope")
