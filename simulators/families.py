r"""Random families of tabular instances, each built to exercise one term of the gap bounds.

Every builder has the signature ``builder(rng, n, m, k, *, batch=(), **knobs) -> TabularProblem``.
Here ``rng`` is a ``numpy.random.Generator`` or an integer seed, and n, m and k count the contexts
x, the candidate prompts x' and the responses y. ``batch`` is a leading batch shape: ``()`` for
one instance, ``(B,)`` for B independent instances in one object.

Families and their knobs (the registry :data:`FAMILIES` stores defaults and valid ranges):

- ``dirichlet``: rewards Uniform[0, 1], rows of π_F and ρ₀ drawn from Dirichlet(concentration).
- ``coverage``: like ``dirichlet``, then prompt j's target row is blended toward the point mass on
  the reward-greedy response of context ``j mod n``. ``coverage = 1`` lets a prompter reproduce the
  greedy response of every context (when m ≥ n), so the coverage term of the gap decomposition
  vanishes as β → 0. ``coverage = 0`` leaves the target rows random.
- ``prior``: ρ₀ puts ``prior_mass`` on the best prompt b(x) = argmax_x' r̄(x, x') and spreads the
  rest by a Dirichlet draw, which sets the prior term λ log(1/ρ₀(b|x)) of the decomposition.
- ``mismatch``: π_ref = (1 − distance) ρ₀π_F + distance · Dirichlet(1) rows, so π_ref ≠ ρ₀π_F.
- ``adversarial``: the Hölder bound E_x span(x) TV(π*_β, ρ*_λπ_F) holds with equality, for every
  λ > 0 and every β ≤ ``design_beta`` (construction in :func:`adversarial_family`).
- ``identity``: π_F is the k × k identity (m = k required), so prompts are responses and
  ρ*_λ π_F = π*_β at λ = β.

Contexts are weighted by P ~ Dirichlet(1) in all families.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from scipy.special import logit

from bounds import TabularProblem

Seed = np.random.Generator | int


@dataclass(frozen=True)
class Knob:
    """A numeric family parameter: its default and the closed or open interval it must lie in."""

    default: float
    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    doc: str = ""

    def check(self, family: str, name: str, value: Any) -> float:
        """Return ``value`` as a float, raising ``ValueError`` naming the knob when out of range."""
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"family {family!r}: knob {name!r} must be a number, got {value!r}") from None

        below = number <= self.low if self.low_open else number < self.low
        above = number >= self.high if self.high_open else number > self.high
        if math.isnan(number) or below or above:
            left = "(" if self.low_open else "["
            right = ")" if self.high_open else "]"
            raise ValueError(
                f"family {family!r}: knob {name!r} = {number!r} is outside {left}{self.low}, {self.high}{right}; "
                f"choose a value in that range ({self.doc})"
            )
        return number


def _generator(rng: Seed) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _dirichlet_rows(rng: np.random.Generator, shape: tuple[int, ...], concentration: float) -> np.ndarray:
    """Draw rows of shape ``(*shape)`` on the simplex of the last axis from a symmetric Dirichlet.

    Gamma draws are normalized by hand because ``Generator.dirichlet`` takes one alpha vector and
    would need a loop over the batch. A row whose gammas all underflow to 0 becomes uniform.
    """
    gammas = rng.gamma(concentration, size=shape)
    totals = gammas.sum(axis=-1, keepdims=True)
    uniform = np.full(shape, 1.0 / shape[-1])
    return np.where(totals > 0, gammas / np.where(totals > 0, totals, 1.0), uniform)


def _base_arrays(rng: np.random.Generator, n: int, m: int, k: int, batch: tuple[int, ...], concentration: float):
    """Draw P ~ Dir(1), r ~ U[0, 1], π_F and ρ₀ rows ~ Dir(concentration)."""
    context_probs = _dirichlet_rows(rng, (*batch, n), 1.0)
    reward = rng.random((*batch, n, k))
    target = _dirichlet_rows(rng, (*batch, m, k), concentration)
    prompter = _dirichlet_rows(rng, (*batch, n, m), concentration)
    return context_probs, reward, target, prompter


def dirichlet_family(rng: Seed, n: int, m: int, k: int, *, batch: tuple[int, ...] = (), concentration: float = 1.0) -> TabularProblem:
    """Build instances with U[0, 1] rewards and Dirichlet(concentration) rows of π_F and ρ₀."""
    context_probs, reward, target, prompter = _base_arrays(_generator(rng), n, m, k, tuple(batch), concentration)
    return TabularProblem(context_probs, reward, target, prompter)


def coverage_family(
    rng: Seed, n: int, m: int, k: int, *, batch: tuple[int, ...] = (), coverage: float = 0.5, concentration: float = 1.0
) -> TabularProblem:
    """Build instances whose target rows are blended toward the greedy responses of the contexts.

    Row j of π_F becomes (1 − c) π_F(·|j) + c · onehot(argmax_y r(j mod n, y)) with c = ``coverage``.
    """
    context_probs, reward, target, prompter = _base_arrays(_generator(rng), n, m, k, tuple(batch), concentration)

    assigned_context = np.arange(m) % n
    greedy = reward[..., assigned_context, :].argmax(axis=-1)
    point_masses = np.eye(k)[greedy]
    target = (1.0 - coverage) * target + coverage * point_masses

    return TabularProblem(context_probs, reward, target, prompter)


def prior_family(
    rng: Seed, n: int, m: int, k: int, *, batch: tuple[int, ...] = (), prior_mass: float = 0.2, concentration: float = 1.0
) -> TabularProblem:
    """Build instances where ρ₀ puts exactly ``prior_mass`` on the best prompt of each context."""
    if m < 2:
        raise ValueError(f"family 'prior': m = {m} but the family needs m >= 2 prompts (one best prompt and others)")
    generator = _generator(rng)
    context_probs, reward, target, _ = _base_arrays(generator, n, m, k, tuple(batch), concentration)

    prompt_values = reward @ np.swapaxes(target, -1, -2)
    best = prompt_values.argmax(axis=-1)
    is_best = np.eye(m, dtype=bool)[best]

    others = _dirichlet_rows(generator, (*batch, n, m - 1), concentration)
    prompter = np.zeros((*batch, n, m))
    prompter[~is_best] = ((1.0 - prior_mass) * others).reshape(-1)
    prompter[is_best] = prior_mass

    return TabularProblem(context_probs, reward, target, prompter)


def mismatch_family(
    rng: Seed, n: int, m: int, k: int, *, batch: tuple[int, ...] = (), distance: float = 0.5, concentration: float = 1.0
) -> TabularProblem:
    """Build instances with π_ref = (1 − distance) ρ₀π_F + distance · (Dirichlet(1) rows)."""
    generator = _generator(rng)
    context_probs, reward, target, prompter = _base_arrays(generator, n, m, k, tuple(batch), concentration)

    other = _dirichlet_rows(generator, (*batch, n, k), 1.0)
    reference = (1.0 - distance) * (prompter @ target) + distance * other

    return TabularProblem(context_probs, reward, target, prompter, reference_policy=reference)


def adversarial_family(
    rng: Seed, n: int, m: int, k: int, *, batch: tuple[int, ...] = (), design_beta: float = 1.0, margin: float = 0.5
) -> TabularProblem:
    r"""Build instances on which the Hölder (total variation) bound on Δ is attained with equality.

    Construction. Split the responses into a random non-empty proper subset S and its complement,
    with fixed distributions u_S on S and u_C on the complement. Every target row is a two-part
    mixture π_F(·|x') = a(x') u_S + (1 − a(x')) u_C with a(x') ~ U[0.1, 0.9], and the reward is
    two-valued, r(x, y) = c(x) + s(x) 1[y ∈ S]. Then every induced policy is a u_S + (1 − a) u_C
    for some mass a, and so is π*_β (π_ref = ρ₀π_F, the tilt multiplies the S-part by e^{s/β}):
    a_β(x) = σ(logit a₀(x) + s(x)/β) with a₀ = Σ ρ₀ a. The prompter's mass ā(x) = Σ ρ*_λ a is at
    most max a. Choosing s(x) = design_beta · (logit max a − logit a₀(x) + margin) makes
    a_β(x) > max a ≥ ā(x) for β ≤ design_beta, so π*_β − ρ*_λπ_F = (a_β − ā)(u_S − u_C) has the
    sign of the reward on every response, and J(π*_β) − J(ρ*_λπ_F) = Σ_x P(x) s(x)(a_β − ā)
    = E_x span(x) TV(π*_β, ρ*_λπ_F) exactly, for every λ > 0.
    """
    if k < 2:
        raise ValueError(f"family 'adversarial': k = {k} but the family needs k >= 2 responses to split them")
    generator = _generator(rng)
    batch = tuple(batch)
    context_probs = _dirichlet_rows(generator, (*batch, n), 1.0)
    prompter = _dirichlet_rows(generator, (*batch, n, m), 1.0)

    # S: a size drawn uniformly from 1..k-1, then that many responses chosen by a random permutation.
    size_s = generator.integers(1, k, size=batch)
    ranks = generator.random((*batch, k)).argsort(axis=-1).argsort(axis=-1)
    in_s = ranks < np.asarray(size_s)[..., None]
    weights = generator.random((*batch, k)) + 0.1
    u_s = np.where(in_s, weights, 0.0)
    u_s /= u_s.sum(axis=-1, keepdims=True)
    u_c = np.where(in_s, 0.0, weights)
    u_c /= u_c.sum(axis=-1, keepdims=True)

    mass_s = generator.uniform(0.1, 0.9, size=(*batch, m))
    target = mass_s[..., :, None] * u_s[..., None, :] + (1.0 - mass_s[..., :, None]) * u_c[..., None, :]

    reference_mass = (prompter * mass_s[..., None, :]).sum(axis=-1)
    max_mass = mass_s.max(axis=-1, keepdims=True)
    span = design_beta * (logit(max_mass) - logit(reference_mass) + margin)
    offset = generator.random((*batch, n))
    reward = offset[..., None] + span[..., None] * in_s[..., None, :]

    return TabularProblem(context_probs, reward, target, prompter)


def identity_family(rng: Seed, n: int, m: int, k: int, *, batch: tuple[int, ...] = (), concentration: float = 1.0) -> TabularProblem:
    """Build instances with π_F = identity (prompt x' = response y), which needs m = k."""
    if m != k:
        raise ValueError(f"family 'identity': m = {m} and k = {k} must be equal (π_F is the k × k identity); set m = k")
    context_probs, reward, _, prompter = _base_arrays(_generator(rng), n, m, k, tuple(batch), concentration)
    target = np.broadcast_to(np.eye(k), (*tuple(batch), k, k))
    return TabularProblem(context_probs, reward, target, prompter)


@dataclass(frozen=True)
class Family:
    """A registered family: its builder, its knobs and a one-line description."""

    builder: Callable[..., TabularProblem]
    knobs: dict[str, Knob]
    description: str


_CONCENTRATION = Knob(1.0, 0.05, 100.0, doc="Dirichlet concentration of the rows of π_F and ρ₀")

FAMILIES: dict[str, Family] = {
    "dirichlet": Family(dirichlet_family, {"concentration": _CONCENTRATION}, "random rewards and Dirichlet rows"),
    "coverage": Family(
        coverage_family,
        {"coverage": Knob(0.5, 0.0, 1.0, doc="blend of target rows toward greedy responses"), "concentration": _CONCENTRATION},
        "target rows blended toward the greedy responses",
    ),
    "prior": Family(
        prior_family,
        {"prior_mass": Knob(0.2, 0.0, 1.0, low_open=True, high_open=True, doc="mass of ρ₀ on the best prompt"), "concentration": _CONCENTRATION},
        "reference prompter with a set mass on the best prompt",
    ),
    "mismatch": Family(
        mismatch_family,
        {"distance": Knob(0.5, 0.0, 1.0, doc="weight of a random policy in π_ref"), "concentration": _CONCENTRATION},
        "reference policy different from ρ₀π_F",
    ),
    "adversarial": Family(
        adversarial_family,
        {
            "design_beta": Knob(1.0, 0.0, 1e6, low_open=True, doc="largest β at which the Hölder bound is attained"),
            "margin": Knob(0.5, 0.0, 50.0, low_open=True, doc="logit margin of π*_β over the best prompt"),
        },
        "two-valued rewards attaining the Hölder bound",
    ),
    "identity": Family(identity_family, {"concentration": _CONCENTRATION}, "identity target model (m = k)"),
}


def family_knobs(family: str, knobs: dict[str, Any] | None = None) -> dict[str, float]:
    """Return the full, validated knob values of ``family`` (defaults filled in)."""
    if family not in FAMILIES:
        raise ValueError(f"family: unknown family {family!r}; choose one of {', '.join(FAMILIES)}")
    spec = FAMILIES[family]
    knobs = dict(knobs or {})

    unknown = sorted(set(knobs) - set(spec.knobs))
    if unknown:
        raise ValueError(f"family {family!r}: unknown knob {unknown[0]!r}; its knobs are {', '.join(spec.knobs) or 'none'}")

    return {name: knob.check(family, name, knobs.get(name, knob.default)) for name, knob in spec.knobs.items()}


def check_sizes(n: Any, m: Any, k: Any) -> tuple[int, int, int]:
    """Return (n, m, k) as positive integers, raising ``ValueError`` naming the bad size."""
    sizes = []
    for name, value in (("n", n), ("m", m), ("k", k)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: expected a positive integer size, got {value!r}")
        sizes.append(int(value))
    return tuple(sizes)


def build_instance(family: str, rng: Seed, n: int, m: int, k: int, *, batch: tuple[int, ...] = (), **knobs: Any) -> TabularProblem:
    """Validate the family name, sizes and knobs, then build the instance(s)."""
    values = family_knobs(family, knobs)
    n, m, k = check_sizes(n, m, k)
    return FAMILIES[family].builder(rng, n, m, k, batch=tuple(batch), **values)
