"""``align-pro eval``: measure Align-Pro against fine-tuning and best-of-n on a real language model.

A task preset supplies the prompt set, the reward and the prompter; flags override each of them.
Results go to ``--out``: ``samples.jsonl`` (every response, reward and log-probability, written as
produced), ``run.log``, ``settings.json``, ``summary.json`` and ``summary.md``. ``--resume``
continues a stopped run without redoing or duplicating recorded work.

``--model fake:INSTANCE.json`` runs the same pipeline on a tabular instance (see
:mod:`llm_eval.backends.fake`), where the exact values are known from ``align-pro bounds``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

logger = logging.getLogger(__name__)

DEFAULT_TASK = "rtp-safe"
DEFAULT_NUM_PROMPTS = 16
DEFAULT_CANDIDATES = 4
DEFAULT_RESPONSES = 4
DEFAULT_MAX_NEW_TOKENS = 24
DEFAULT_BETA = 0.1
DEFAULT_LAM = 0.1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``eval`` subparser."""
    parser = subparsers.add_parser(
        "eval",
        help="measure prompt optimization, the RLHF optimum and best-of-n on a language model",
        description="Measure Align-Pro against the RLHF optimum and best-of-n on a language model. "
        "Samples are written as they are produced; --resume continues a stopped run.",
    )
    parser.add_argument("--task", default=DEFAULT_TASK, help=f"task preset giving prompts, reward and prompter (default {DEFAULT_TASK})")
    parser.add_argument("--model", default="smollm2", help="'smollm2', a local model folder, 'openai:http://127.0.0.1:PORT/v1[#MODEL]', 'vllm:PATH' or 'fake:INSTANCE.json' (default smollm2)")
    parser.add_argument("--prompts", default=None, help="prompt source overriding the preset: ifbench, realtoxicityprompts, donotanswer or a .jsonl/.csv/.parquet file")
    parser.add_argument("--reward", default=None, help="reward overriding the preset, e.g. sentiment, non_offensive, relevance, '0.5*non_offensive+0.5*relevance' or hf:PATH")
    parser.add_argument("--prompter", default=None, help="prompter overriding the preset: templates or rewriter")
    parser.add_argument("--num-prompts", type=int, default=DEFAULT_NUM_PROMPTS, help=f"number of prompts, a seeded random subset (default {DEFAULT_NUM_PROMPTS})")
    parser.add_argument("--candidates", type=int, default=DEFAULT_CANDIDATES, help=f"K candidate prompts drawn from the prompter per prompt, at least 2 (default {DEFAULT_CANDIDATES})")
    parser.add_argument("--responses", type=int, default=DEFAULT_RESPONSES, help=f"M responses per candidate and for the raw prompt, at least 2 (default {DEFAULT_RESPONSES})")
    parser.add_argument("--best-of", type=int, default=None, help="n of the best-of-n baseline, 1..M (default M)")
    parser.add_argument("--max-new-tokens", type=int, default=DEFAULT_MAX_NEW_TOKENS, help=f"maximum response length in tokens (default {DEFAULT_MAX_NEW_TOKENS})")
    parser.add_argument("--beta", type=float, default=DEFAULT_BETA, help=f"KL coefficient β > 0 of the RLHF optimum, in reward units (default {DEFAULT_BETA})")
    parser.add_argument("--lam", type=float, default=DEFAULT_LAM, help=f"KL coefficient λ > 0 of the optimal prompter, in reward units (default {DEFAULT_LAM})")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random draw (default 0)")
    parser.add_argument("--out", default="results/eval", help="output folder (default results/eval)")
    parser.add_argument("--resume", action="store_true", help="continue the run recorded in --out; the settings must match")
    parser.add_argument("--dtype", choices=("float32", "bfloat16"), default="float32", help="weights and activations of a local model (default float32)")
    parser.add_argument("--batch-size", type=int, default=16, help="sequences per forward pass, or per request for a server (default 16)")
    parser.set_defaults(func=run)


def _settings(args: argparse.Namespace):
    """Validate the numeric options before any model is loaded."""
    from llm_eval.runner import EvalSettings

    if args.num_prompts < 1:
        raise ValueError(f"--num-prompts: must be at least 1, got {args.num_prompts}")
    if args.batch_size < 1:
        raise ValueError(f"--batch-size: must be at least 1, got {args.batch_size}")

    return EvalSettings(
        num_candidates=args.candidates,
        num_responses=args.responses,
        max_new_tokens=args.max_new_tokens,
        beta=args.beta,
        lam=args.lam,
        seed=args.seed,
        best_of_n=args.best_of,
    )


def run(args: argparse.Namespace) -> int:
    """Run or resume the evaluation and print the summary table."""
    from llm_eval.outputs import package_versions
    from llm_eval.runner import run_evaluation

    from alignpro.pipeline.evaluation_setup import EvaluationSpec, build_evaluation

    settings = _settings(args)
    spec = EvaluationSpec(
        model=args.model,
        task=args.task,
        prompts=args.prompts,
        reward=args.reward,
        prompter=args.prompter,
        num_prompts=args.num_prompts,
        seed=args.seed,
        dtype=args.dtype,
        batch_size=args.batch_size,
    )
    backend, prompts, prompter, reward, identity = build_evaluation(spec)

    try:
        run_evaluation(
            backend,
            prompts,
            prompter,
            reward,
            settings,
            args.out,
            resume=args.resume,
            provenance={"identity": identity, "versions": package_versions()},
        )
    finally:
        backend.close()

    out = Path(args.out)
    print((out / "summary.md").read_text(encoding="utf-8"))
    print(f"Samples: {out / 'samples.jsonl'}; summary: {out / 'summary.json'}; log: {out / 'run.log'}")
    return 0
