r"""Learning curves of every sample-based learner toward its closed-form optimum, on one instance.

Each curve is a distance to the closed form against the number of samples the learner used:

- ``prompter policy gradient``: max_x TV(ρ_θ, ρ*_λ); samples = steps × batch size.
- ``fine-tuning policy gradient``: max_x TV(π_θ, π*_β); samples = steps × batch size.
- ``plug-in prompter``: max_x TV(ρ̂, ρ*_λ); samples = N · n · m responses.
- ``DPO``: max_x TV(π_DPO, π*_β); samples = preference pairs (both responses from π_ref).
- ``reward model``: max |r̂ − r| after centering both per context; samples = preference pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bounds import TabularProblem
from simulators.learners._reinforce import ReinforceSettings
from simulators.learners.dpo import train_dpo
from simulators.learners.plugin import fit_plugin_prompter
from simulators.learners.policy_gradient_fine_tuning import train_fine_tuning_policy_gradient
from simulators.learners.policy_gradient_prompter import train_prompter_policy_gradient
from simulators.learners.reward_model import centered, fit_reward_model
from simulators.sampling import sample_preferences

PAIR_COUNTS = (100, 300, 1_000, 3_000, 10_000, 30_000, 100_000)


def learning_curves(
    problem: TabularProblem, beta: float, lam: float, seed: int, *, settings: ReinforceSettings | None = None, progress: bool = False
) -> pd.DataFrame:
    """Return a long table with columns ``learner``, ``samples``, ``distance``, ``metric``."""
    settings = settings or ReinforceSettings(n_steps=1000, batch_size=128, history_every=25)
    rng = np.random.default_rng(seed)
    frames = []

    for name, result in (
        ("prompter policy gradient", train_prompter_policy_gradient(problem, lam, rng, settings, progress=progress)),
        ("fine-tuning policy gradient", train_fine_tuning_policy_gradient(problem, beta, rng, settings, progress=progress)),
    ):
        frames.append(pd.DataFrame({
            "learner": name,
            "samples": result.history["step"].to_numpy() * settings.batch_size,
            "distance": result.history["tv_to_optimum"].to_numpy(),
            "metric": "max TV to optimum",
        }))

    plugin = fit_plugin_prompter(problem, lam, 4096, rng).history
    frames.append(pd.DataFrame({
        "learner": "plug-in prompter",
        "samples": plugin["n_responses"].to_numpy() * problem.n_contexts * problem.n_prompts,
        "distance": plugin["max_tv_to_optimum"].to_numpy(),
        "metric": "max TV to optimum",
    }))

    dpo_rows, reward_rows = [], []
    for n_pairs in PAIR_COUNTS:
        pairs = sample_preferences(problem, problem.reference_policy, n_pairs, np.random.default_rng([seed, n_pairs, 1]))
        dpo_rows.append(train_dpo(problem, pairs, beta).diagnostics["max_tv_to_optimum"])
        reward = fit_reward_model(pairs, problem.n_contexts, problem.n_responses).reward
        reward_rows.append(float(np.abs(reward - centered(problem.reward)).max()))
    frames.append(pd.DataFrame({"learner": "DPO", "samples": PAIR_COUNTS, "distance": dpo_rows, "metric": "max TV to optimum"}))
    frames.append(pd.DataFrame({"learner": "reward model", "samples": PAIR_COUNTS, "distance": reward_rows, "metric": "max |r̂ − r| (centered)"}))

    return pd.concat(frames, ignore_index=True)
