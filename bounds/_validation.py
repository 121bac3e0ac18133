"""Shared input checks for the theory code.

Every check raises ``ValueError`` with a message that names the field, states the condition, shows
the offending value and says how to fix it. Arrays are converted to float64, because the bounds
are compared with gaps to 1e-9 relative accuracy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Rows of a probability matrix may differ from 1 by this much (rounding in user files).
SIMPLEX_ATOL = 1e-6


def _format_index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def as_float_array(name: str, value: Any, ndim_min: int = 0) -> np.ndarray:
    """Convert ``value`` to a float64 array and check that it has at least ``ndim_min`` axes."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: expected an array of numbers, got {value!r:.80} ({error})") from None

    if array.ndim < ndim_min:
        raise ValueError(f"{name}: expected at least {ndim_min} axes, got shape {array.shape}")

    return array


def check_finite(name: str, array: np.ndarray) -> None:
    """Raise unless every entry of ``array`` is finite, naming the first bad entry."""
    bad = ~np.isfinite(array)
    if bad.any():
        index = tuple(np.argwhere(bad)[0])
        raise ValueError(
            f"{name}: entry {_format_index(index)} is {array[index]}; every entry must be a finite number"
        )


def check_distribution(name: str, array: np.ndarray, row_label: str = "row") -> None:
    """Raise unless the last axis of ``array`` lies on the probability simplex.

    Entries must be finite and non-negative, and each slice along the last axis must sum to 1
    within ``SIMPLEX_ATOL``.
    """
    check_finite(name, array)

    negative = array < 0
    if negative.any():
        index = tuple(np.argwhere(negative)[0])
        raise ValueError(
            f"{name}: entry {_format_index(index)} is {array[index]:.6g}; probabilities must be non-negative"
        )

    sums = array.sum(axis=-1)
    off = np.abs(sums - 1.0) > SIMPLEX_ATOL
    if off.any():
        index = tuple(np.argwhere(np.atleast_1d(off))[0]) if sums.ndim else ()
        where = f" {row_label} {_format_index(index)}" if index else ""
        total = float(np.atleast_1d(sums)[index] if index else sums)
        raise ValueError(f"{name}:{where} sums to {total:.6g}; each {row_label} must sum to 1 (normalize it)")


def check_temperature(name: str, value: Any) -> np.ndarray:
    """Return ``value`` as a float64 array after checking that every entry is > 0 (inf allowed).

    Zero is rejected: the zero-temperature limits have their own functions
    (``fine_tuned_policy_limit``, ``optimal_prompter_limit``).
    """
    array = as_float_array(name, value)

    if np.isnan(array).any() or (array <= 0).any():
        invalid_value = array if array.ndim == 0 else array[np.isnan(array) | (array <= 0)][0]
        raise ValueError(
            f"{name}: got {float(invalid_value)!r}; the KL coefficient must be a positive number (inf is allowed)"
        )

    return array


def check_shape(name: str, array: np.ndarray, expected: tuple[int, ...], meaning: str) -> None:
    """Raise unless ``array.shape == expected``; ``meaning`` spells the axes, e.g. ``(n, k)``."""
    if array.shape != expected:
        raise ValueError(f"{name}: expected shape {meaning} = {expected}, got {array.shape}")
