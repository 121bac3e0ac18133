"""``align-pro simulate``: one random instance of a family, its exact gap and bounds, and the learners.

Prints the exact gap Δ(β, λ) and every bound, then what each sample-based learner reached
against its closed form: the plug-in prompter (N responses per pair), the two policy-gradient
learners (N samples per step), DPO and the Bradley–Terry reward model (100·N preference pairs),
and best-of-4 over responses and over prompts (exact against 10·N sampled selections per context).
"""

from __future__ import annotations

import argparse
import json


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` subcommand."""
    parser = subparsers.add_parser(
        "simulate",
        help="simulate one instance family: exact gap, bounds and sample-based learners",
        description="Draw one instance of a family, print its exact gap and bounds, and compare each sample-based learner with its closed form.",
    )
    parser.add_argument("--family", default="dirichlet", help="instance family: dirichlet, coverage, prior, mismatch, adversarial, identity")
    parser.add_argument("--n", type=int, default=3, help="number of contexts x")
    parser.add_argument("--m", type=int, default=4, help="number of candidate prompts x'")
    parser.add_argument("--k", type=int, default=5, help="number of responses y (must equal m for the identity family)")
    parser.add_argument("--beta", type=float, default=1.0, help="KL coefficient β > 0 of fine-tuning")
    parser.add_argument("--lam", type=float, default=1.0, help="KL coefficient λ > 0 of prompt optimization")
    parser.add_argument("--seed", type=int, default=0, help="seed of the instance and of every sample")
    parser.add_argument("--samples", type=int, default=256, help="sample size N (responses per pair; batch size of policy gradient)")
    parser.add_argument("--knob", action="append", default=[], metavar="NAME=VALUE", help="family knob, repeatable (e.g. --knob coverage=0.9)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.set_defaults(func=run)


def _parse_knobs(items: list[str]) -> dict[str, float]:
    knobs = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--knob: got {item!r}; use NAME=VALUE, e.g. --knob concentration=0.5")
        try:
            knobs[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"--knob {name}: got {value!r}; the value must be a number") from None
    return knobs


def simulate(args: argparse.Namespace) -> dict:
    """Run the simulation and return a JSON-ready summary."""
    import numpy as np

    from bounds import compute_bounds
    from simulators.experiments import bound_tolerance, learned_gap_check, rollout_estimates
    from simulators.families import build_instance
    from simulators.learners._reinforce import ReinforceSettings
    from simulators.learners.best_of_n import sample_best_of_n
    from simulators.learners.dpo import train_dpo
    from simulators.learners.plugin import fit_plugin_prompter
    from simulators.learners.policy_gradient_fine_tuning import train_fine_tuning_policy_gradient
    from simulators.learners.policy_gradient_prompter import train_prompter_policy_gradient
    from simulators.learners.reward_model import centered, fit_reward_model
    from simulators.sampling import sample_preferences

    if args.samples < 1:
        raise ValueError(f"--samples: got {args.samples}; give a positive sample size")
    problem = build_instance(args.family, np.random.default_rng([args.seed, 0]), args.n, args.m, args.k, **_parse_knobs(args.knob))
    report = compute_bounds(problem, args.beta, args.lam)
    rng = np.random.default_rng([args.seed, 1])
    tolerance = float(bound_tolerance(report.gap))

    plugin = fit_plugin_prompter(problem, args.lam, args.samples, rng)
    settings = ReinforceSettings(n_steps=1000, batch_size=args.samples)
    prompter_pg = train_prompter_policy_gradient(problem, args.lam, rng, settings)
    fine_tuning_pg = train_fine_tuning_policy_gradient(problem, args.beta, rng, settings)
    pairs = sample_preferences(problem, problem.reference_policy, 100 * args.samples, rng)
    dpo = train_dpo(problem, pairs, args.beta)
    reward_model = fit_reward_model(pairs, problem.n_contexts, problem.n_responses)
    rollouts = rollout_estimates(problem, args.beta, args.lam, 100 * args.samples, rng)
    best_of_n = {source: sample_best_of_n(problem, 4, 10 * args.samples, rng, source=source) for source in ("responses", "prompts")}
    learned = learned_gap_check(problem, args.beta, args.lam, plugin.prompter)

    return {
        "instance": {"family": args.family, "n": args.n, "m": args.m, "k": args.k, "seed": args.seed, "beta": args.beta, "lam": args.lam},
        "exact": {key: value for key, value in report.to_dict().items() if key != "bounds"},
        "bounds": {name: {"value": float(value), "holds": bool(value >= report.gap - tolerance)} for name, value in report.bounds.items()},
        "rollouts": rollouts.table.to_dict(orient="records"),
        "learners": {
            "plugin_prompter": {"responses_per_pair": args.samples, "max_abs_error": plugin.max_abs_error,
                                "objective_gap": plugin.objective_gap, "learned_gap": learned.learned_gap,
                                "holder_bound_at_learned": learned.holder, "bounds_hold": learned.holds},
            "prompter_policy_gradient": prompter_pg.diagnostics,
            "fine_tuning_policy_gradient": fine_tuning_pg.diagnostics,
            "dpo": dpo.diagnostics,
            "reward_model": {**reward_model.diagnostics, "max_abs_error_centered": float(np.abs(reward_model.reward - centered(problem.reward)).max())},
            **{f"best_of_4_{source}": {"exact_reward": float(result.exact.reward), "sampled_reward": result.reward,
                                        "half_width_95": result.reward_half_width, "exact_win_rate": float(result.exact.win_rate),
                                        "sampled_win_rate": result.win_rate, "max_tv_to_exact": result.max_tv_to_exact}
               for source, result in best_of_n.items()},
        },
    }


def _format_text(summary: dict) -> str:
    exact = summary["exact"]
    lines = [
        "instance: " + ", ".join(f"{key}={value}" for key, value in summary["instance"].items()),
        f"J(pi*_beta) = {exact['fine_tuned_reward']:.6g}   J(rho*_lam pi_F) = {exact['prompt_optimized_reward']:.6g}",
        f"gap = {exact['gap']:.6g} (coverage {exact['gap_coverage']:.6g} + prior {exact['gap_prior']:.6g})",
        "",
        f"{'bound':<20} {'value':>12} {'holds':>6}",
    ]
    lines += [f"{name:<20} {entry['value']:>12.6g} {str(entry['holds']):>6}" for name, entry in summary["bounds"].items()]
    lines += ["", "sampled rewards (t intervals; Welch for the gap):"]
    lines += [f"  {row['quantity']:<24} {row['estimate']:.5f} [{row['low']:.5f}, {row['high']:.5f}]  exact {row['exact']:.5f}"
              for row in summary["rollouts"]]
    lines += ["", "learners against their closed forms:"]
    for name, diagnostics in summary["learners"].items():
        shown = ", ".join(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}" for key, value in diagnostics.items())
        lines.append(f"  {name}: {shown}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the simulation summary as text or JSON."""
    summary = simulate(args)
    print(json.dumps(summary, indent=2) if args.json else _format_text(summary))
    return 0
