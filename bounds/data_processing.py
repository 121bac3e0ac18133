r"""T4 per context: passing prompts through the frozen target can only shrink a KL divergence.

For every prompter ρ and context x,

.. math::

    \mathrm{KL}(\rho\pi_F(\cdot|x) \,\|\, \rho_0\pi_F(\cdot|x)) \le \mathrm{KL}(\rho(\cdot|x) \,\|\, \rho_0(\cdot|x)).

Proof: both induced policies are the y-marginals of the joints ρ(x'|x) π_F(y|x') and
ρ₀(x'|x) π_F(y|x'), which share the channel π_F. The joint KL equals KL(ρ‖ρ₀) (the channel
cancels in the ratio), and the KL of marginals is at most the KL of joints (log-sum inequality).
When π_ref = ρ₀π_F, a prompter that spends a KL budget ε on ρ therefore moves the response
distribution by at most ε, so the reward–KL frontier of fine-tuning lies on or above that of
prompt optimization.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from bounds.divergences import kl_divergence
from bounds.problem import TabularProblem


@dataclass(frozen=True)
class DataProcessingPair:
    """Both sides of the T4 inequality, in nats, shape ``(*batch, n)``.

    Attributes:
        induced_kl: KL(ρπ_F ‖ ρ₀π_F) per context, the smaller side.
        prompter_kl: KL(ρ ‖ ρ₀) per context, the larger side (inf when ρ leaves supp ρ₀).
    """

    induced_kl: np.ndarray
    prompter_kl: np.ndarray


def data_processing_pair(problem: TabularProblem, prompter: ArrayLike) -> DataProcessingPair:
    """Return KL(ρπ_F ‖ ρ₀π_F) and KL(ρ ‖ ρ₀) per context for a prompter of shape ``(*batch, n, m)``."""
    prompter = np.asarray(prompter, dtype=np.float64)

    induced_kl = kl_divergence(problem.induced_policy(prompter), problem.induced_reference)
    prompter_kl = kl_divergence(prompter, problem.reference_prompter)
    return DataProcessingPair(induced_kl=induced_kl, prompter_kl=prompter_kl)
