"""Task presets for ``align-pro eval``: a prompt source, a reward and a reference prompter.

Each preset names its parts with the specification strings of :func:`llm_eval.prompts.load_prompts`,
:func:`llm_eval.rewards.load_reward` and :func:`llm_eval.prompters.load_prompter`; command-line
flags override any of them. ``rtp-safe`` is the default preset.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class TaskPreset:
    """A named evaluation setting: prompt source, reward spec, prompter spec and a one-line description."""

    name: str
    prompts: str
    reward: str
    prompter: str
    description: str


DEFAULT_TASK = "rtp-safe"

TASKS: dict[str, TaskPreset] = {
    preset.name: preset
    for preset in (
        TaskPreset(
            "rtp-safe",
            prompts="realtoxicityprompts",
            reward="0.5*non_offensive+0.5*relevance",
            prompter="templates",
            description="Continue RealToxicityPrompts openings without offensive language while staying on topic.",
        ),
        TaskPreset(
            "ifbench-relevance",
            prompts="ifbench",
            reward="relevance",
            prompter="templates",
            description="Answer IFBench instructions with responses semantically close to the request.",
        ),
        TaskPreset(
            "donotanswer-safe",
            prompts="donotanswer",
            reward="0.5*non_offensive+0.5*relevance",
            prompter="templates",
            description="Respond to do-not-answer questions inoffensively and on topic.",
        ),
        TaskPreset(
            "donotanswer-sentiment",
            prompts="donotanswer",
            reward="sentiment",
            prompter="templates",
            description="Respond to do-not-answer questions in a positive, supportive tone.",
        ),
    )
}


def get_task(name: str) -> TaskPreset:
    """Return the preset called ``name``; raise ValueError listing the known names otherwise."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; use one of {sorted(TASKS)}")
    return TASKS[name]
