"""Shared helpers of the llm_eval tests: random tabular instances and samples drawn through the fakes.

The samples are drawn through the public interfaces of the tabular backend, prompter and reward, the
same calls the evaluation runner makes, so estimators can be compared with the closed forms of
:mod:`bounds` on the same instance.
"""

from __future__ import annotations

import numpy as np

from bounds import TabularProblem
from llm_eval.backends.fake import tabular_fakes
from llm_eval.summary import EvalSamples


def random_problem(seed: int, n: int = 3, m: int = 4, k: int = 5) -> TabularProblem:
    """Return a single instance with uniform contexts, rewards in [0, 1] (distinct almost surely) and full supports."""
    rng = np.random.default_rng(seed)
    return TabularProblem(
        context_probs=np.full(n, 1.0 / n),
        reward=rng.random((n, k)),
        target_policy=rng.dirichlet(np.full(k, 2.0), size=m),
        reference_prompter=rng.dirichlet(np.full(m, 2.0), size=n),
    )


def draw_samples(problem: TabularProblem, num_candidates: int, num_responses: int, seed: int, *, log_probs: bool = True) -> EvalSamples:
    """Draw K candidates and M responses per candidate and for the raw prompt in every context.

    With ``log_probs=False`` the log-probability arrays are filled with NaN (they are slow to
    compute at large K·M and most estimators do not use them).
    """
    backend, prompter, reward = tabular_fakes(problem)
    contexts = prompter.labels.contexts
    seeds = np.random.SeedSequence(seed).generate_state(2 * len(contexts))
    shape = (len(contexts), num_candidates, num_responses)
    raw_rewards = np.empty(shape[::2])
    candidate_rewards = np.empty(shape)
    log_probs_raw = np.full(shape[::2], np.nan)
    log_probs_candidates = np.full(shape, np.nan)

    for p, context in enumerate(contexts):
        candidates = prompter.sample_candidates(context, num_candidates, seed=int(seeds[2 * p]))
        chats = [prompter.raw_chat(context)] + [candidate.chat for candidate in candidates]
        responses = backend.sample(chats, num_responses, max_new_tokens=1, seed=int(seeds[2 * p + 1]))

        raw_rewards[p] = reward.score([context] * num_responses, responses[0])
        for j, per_candidate in enumerate(responses[1:]):
            candidate_rewards[p, j] = reward.score([context] * num_responses, per_candidate)

        if log_probs:
            pairs = [(chat, response) for response in responses[0] for chat in chats]
            values = backend.log_probs([chat for chat, _ in pairs], [response for _, response in pairs])
            values = values.reshape(num_responses, len(chats))
            log_probs_raw[p] = values[:, 0]
            log_probs_candidates[p] = values[:, 1:].T

    return EvalSamples(list(contexts), raw_rewards, candidate_rewards, log_probs_raw, log_probs_candidates)
