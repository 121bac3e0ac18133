"""``align-pro bounds``: the gap between fine-tuning and prompt optimization and its upper bounds.

Reads a tabular instance (JSON or NPZ with the keys of :class:`bounds.TabularProblem`, plus
optional ``beta`` and ``lam``), computes Δ(β, λ) and every bound of :func:`bounds.compute_bounds`
and prints a table or, with ``--json``, one JSON object.
"""

from __future__ import annotations

import argparse
import json

# A bound counts as holding when it is at least the gap minus this fraction of the reward scale;
# it absorbs float64 rounding in the two expected rewards (each a sum of a few hundred terms).
HOLDS_RTOL = 1e-9


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``bounds`` subcommand."""
    parser = subparsers.add_parser(
        "bounds",
        help="compute the fine-tuning vs prompt-optimization gap and its upper bounds",
        description=(
            "Compute the gap J(π*_β) − J(ρ*_λ π_F) of a tabular instance, its coverage and prior parts, "
            "and the upper bounds holder_tv, pinsker, bretagnolle_huber, coverage_prior, coverage_prior_lp, paper_t0."
        ),
    )
    parser.add_argument("instance", help="instance file (.json or .npz) with context_probs, reward, target_policy, reference_prompter")
    parser.add_argument("--beta", type=float, default=None, help="KL coefficient β > 0 of fine-tuning (overrides the file's beta)")
    parser.add_argument("--lam", type=float, default=None, help="KL coefficient λ > 0 of prompt optimization (overrides the file's lam)")
    parser.add_argument(
        "--lp",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also compute coverage_prior_lp with one linear program per context (default: on for a single instance, off for a batch)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.set_defaults(func=run)


def _temperature(name: str, flag_value: float | None, file_values: dict[str, float]) -> float:
    """Return the flag value, else the file's value, else raise naming the missing key."""
    if flag_value is not None:
        return flag_value
    if name in file_values:
        return file_values[name]
    raise ValueError(f"{name}: not set; pass --{name} VALUE or add a \"{name}\" key to the instance file")


def _format_table(report_dict: dict, holds_atol: float) -> str:
    """Render one instance's report as an aligned text table."""
    gap = report_dict["gap"]
    lines = [
        f"beta = {report_dict['beta']:.6g}, lam = {report_dict['lam']:.6g}",
        f"fine-tuned reward       J(pi*_beta)         = {report_dict['fine_tuned_reward']:.6g}",
        f"prompt-optimized reward J(rho*_lam pi_F)    = {report_dict['prompt_optimized_reward']:.6g}",
        f"gap = coverage + prior                      = {gap:.6g} = {report_dict['gap_coverage']:.6g} + {report_dict['gap_prior']:.6g}",
        "",
        f"{'bound':<20} {'value':>14} {'bound/gap':>12} {'holds':>6}",
    ]
    for name, value in report_dict["bounds"].items():
        ratio = f"{value / gap:.4g}" if gap > 0 else "n/a"
        holds = "yes" if value >= gap - holds_atol else "NO"
        lines.append(f"{name:<20} {value:>14.6g} {ratio:>12} {holds:>6}")

    if gap <= 0:
        lines.append("(bound/gap is n/a because the gap is not positive)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Load the instance, compute the report and print it; return the exit code."""
    import numpy as np

    from bounds import compute_bounds, load_instance
    from bounds._validation import check_temperature

    problem, file_temperatures = load_instance(args.instance)
    beta = float(check_temperature("beta", _temperature("beta", args.beta, file_temperatures)))
    lam = float(check_temperature("lam", _temperature("lam", args.lam, file_temperatures)))

    single = problem.batch_shape == ()
    lp = single if args.lp is None else args.lp
    report = compute_bounds(problem, beta, lam, lp=lp)
    data = report.to_dict()

    if args.json:
        print(json.dumps(data))
        return 0

    scale = float(np.abs(problem.reward).max())
    holds_atol = HOLDS_RTOL * max(scale, 1.0)
    if single:
        print(_format_table(data, holds_atol))
        return 0

    for index in np.ndindex(*problem.batch_shape):
        print(f"instance {list(index)}")
        print(_format_table(_select(data, index), holds_atol))
        print()
    return 0


def _select(data: dict, index: tuple[int, ...]) -> dict:
    """Pick one instance out of a batched report dictionary."""

    def pick(value):
        if isinstance(value, dict):
            return {key: pick(item) for key, item in value.items()}
        for i in index:
            if isinstance(value, list):
                value = value[i]
        return value

    return pick(data)

