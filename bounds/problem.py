r"""The tabular prompt-optimization problem as a validated, immutable object.

A problem holds, for a batch of instances with leading shape ``batch``:

- ``context_probs`` P(x), shape ``(*batch, n)``: weights of the user prompts;
- ``reward`` r(x, y), shape ``(*batch, n, k)``: finite rewards;
- ``target_policy`` π_F(y | x'), shape ``(*batch, m, k)``: the frozen target model;
- ``reference_prompter`` ρ₀(x' | x), shape ``(*batch, n, m)``: the reference prompter;
- ``reference_policy`` π_ref(y | x), shape ``(*batch, n, k)``: the reference of fine-tuning,
  by default the induced policy ρ₀ π_F.

Derived quantities: the induced policy of a prompter, :math:`\tilde\pi_\rho = \rho\,\pi_F`, and
the prompt values :math:`\bar r(x, x') = \sum_y \pi_F(y|x') r(x, y)`, i.e. ``r @ π_Fᵀ``.

Files: JSON (nested lists) or NPZ (``allow_pickle=False``) with the keys above; an instance file
may also carry the temperatures ``beta`` and ``lam`` (see :func:`load_instance`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from numpy.typing import ArrayLike

from bounds._validation import as_float_array, check_distribution, check_finite, check_shape, check_temperature

ARRAY_KEYS = ("context_probs", "reward", "target_policy", "reference_prompter", "reference_policy")
TEMPERATURE_KEYS = ("beta", "lam")


@dataclass(frozen=True, eq=False)
class TabularProblem:
    """Contexts, rewards, frozen target, reference prompter and reference policy (validated).

    Construct it with arrays of the shapes listed in the module docstring; every array is copied
    to float64 and made read-only. Invalid input raises ``ValueError`` naming the field.
    """

    context_probs: np.ndarray
    reward: np.ndarray
    target_policy: np.ndarray
    reference_prompter: np.ndarray
    reference_policy: np.ndarray | None = None
    prompt_values: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        context_probs = as_float_array("context_probs", self.context_probs, ndim_min=1)
        reward = as_float_array("reward", self.reward, ndim_min=2)
        target = as_float_array("target_policy", self.target_policy, ndim_min=2)
        prompter = as_float_array("reference_prompter", self.reference_prompter, ndim_min=2)

        batch = context_probs.shape[:-1]
        n = context_probs.shape[-1]
        if reward.ndim != len(batch) + 2:
            raise ValueError(f"reward: expected shape (*batch, n, k) with batch {batch}, got {reward.shape}")
        k = reward.shape[-1]
        if target.ndim != len(batch) + 2:
            raise ValueError(f"target_policy: expected shape (*batch, m, k) with batch {batch}, got {target.shape}")
        m = target.shape[-2]

        check_shape("reward", reward, (*batch, n, k), "(*batch, n, k)")
        check_shape("target_policy", target, (*batch, m, k), "(*batch, m, k)")
        check_shape("reference_prompter", prompter, (*batch, n, m), "(*batch, n, m)")

        check_distribution("context_probs", context_probs, row_label="instance")
        check_finite("reward", reward)
        check_distribution("target_policy", target)
        check_distribution("reference_prompter", prompter)

        if self.reference_policy is None:
            reference = prompter @ target
        else:
            reference = as_float_array("reference_policy", self.reference_policy, ndim_min=2)
            check_shape("reference_policy", reference, (*batch, n, k), "(*batch, n, k)")
            check_distribution("reference_policy", reference)

        arrays = {
            "context_probs": context_probs,
            "reward": reward,
            "target_policy": target,
            "reference_prompter": prompter,
            "reference_policy": reference,
            "prompt_values": reward @ np.swapaxes(target, -1, -2),
        }
        for name, array in arrays.items():
            array = np.array(array, dtype=np.float64, copy=True)
            array.setflags(write=False)
            object.__setattr__(self, name, array)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Leading shape shared by all arrays (``()`` for a single instance)."""
        return self.context_probs.shape[:-1]

    @property
    def n_contexts(self) -> int:
        """Number n of user prompts x."""
        return self.context_probs.shape[-1]

    @property
    def n_prompts(self) -> int:
        """Number m of candidate prompts x'."""
        return self.target_policy.shape[-2]

    @property
    def n_responses(self) -> int:
        """Number k of responses y."""
        return self.target_policy.shape[-1]

    @property
    def induced_reference(self) -> np.ndarray:
        """ρ₀ π_F, the response distribution of the reference prompter (``(*batch, n, k)``)."""
        return self.induced_policy(self.reference_prompter)

    def induced_policy(self, prompter: ArrayLike) -> np.ndarray:
        """Return π̃_ρ(y|x) = Σ_x' ρ(x'|x) π_F(y|x') for a prompter of shape ``(*batch, n, m)``."""
        return np.asarray(prompter, dtype=np.float64) @ self.target_policy

    def reference_is_induced(self, atol: float = 1e-12) -> bool:
        """Return whether π_ref = ρ₀ π_F, the condition of the data-processing statements."""
        return bool(np.allclose(self.reference_policy, self.induced_reference, rtol=0.0, atol=atol))

    def instance(self, index: int | tuple[int, ...]) -> "TabularProblem":
        """Return one instance (or a sub-batch) selected along the batch axes."""
        if not self.batch_shape:
            raise ValueError("instance: this problem has no batch axes; it is already a single instance")
        index = index if isinstance(index, tuple) else (index,)
        return TabularProblem(**{key: getattr(self, key)[index] for key in ARRAY_KEYS})

    def to_dict(self) -> dict[str, list]:
        """Return the five arrays as nested lists (JSON-serializable)."""
        return {key: getattr(self, key).tolist() for key in ARRAY_KEYS}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TabularProblem":
        """Build a problem from a mapping with the keys of the instance format.

        Unknown keys raise, so that a misspelled optional key is not silently ignored; the
        temperature keys ``beta`` and ``lam`` are allowed and ignored here.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"instance: expected a JSON object with keys {', '.join(ARRAY_KEYS)}, got {type(data).__name__}")
        unknown = sorted(set(data) - set(ARRAY_KEYS) - set(TEMPERATURE_KEYS))
        if unknown:
            raise ValueError(f"instance: unknown key {unknown[0]!r}; allowed keys are {', '.join(ARRAY_KEYS + TEMPERATURE_KEYS)}")
        missing = [key for key in ARRAY_KEYS[:4] if key not in data]
        if missing:
            raise ValueError(f"instance: missing required key {missing[0]!r}")

        return cls(**{key: data[key] for key in ARRAY_KEYS if key in data and data[key] is not None})

    def save(self, path: str | Path) -> None:
        """Write the problem to ``path`` as JSON (``.json``) or NPZ (``.npz``)."""
        path = Path(path)
        if path.suffix == ".npz":
            np.savez(path, **{key: getattr(self, key) for key in ARRAY_KEYS})
        elif path.suffix == ".json":
            path.write_text(json.dumps(self.to_dict()))
        else:
            raise ValueError(f"path: unsupported suffix {path.suffix!r} in {str(path)!r}; use .json or .npz")

    @classmethod
    def load(cls, path: str | Path) -> "TabularProblem":
        """Read a problem written by :meth:`save` (or by hand); temperatures in the file are ignored."""
        return load_instance(path)[0]


def read_instance_data(path: str | Path) -> dict[str, Any]:
    """Read the raw key → value mapping of a JSON or NPZ instance file, never unpickling."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"instance file not found: {str(path)!r}")

    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}

    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None


def load_instance(path: str | Path) -> tuple[TabularProblem, dict[str, float]]:
    """Read an instance file and return the problem and the temperatures it sets.

    Returns:
        ``(problem, temperatures)`` where ``temperatures`` holds ``beta`` and/or ``lam`` when the
        file sets them (each validated to be > 0).
    """
    data = read_instance_data(path)
    problem = TabularProblem.from_dict(data)

    temperatures = {}
    for key in TEMPERATURE_KEYS:
        if key in data and data[key] is not None:
            temperatures[key] = float(check_temperature(key, data[key]))

    return problem, temperatures
