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
FAKE_PREFIX = "fake:"


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


def _tabular_setup(args: argparse.Namespace):
    """Return backend, prompts, prompter, reward and identity for ``--model fake:INSTANCE``."""
    from bounds import load_instance
    from llm_eval.backends.fake import tabular_fakes
    from llm_eval.outputs import file_sha256
    from llm_eval.prompts import PromptRecord

    path = Path(args.model[len(FAKE_PREFIX):])
    if not path.is_file():
        raise FileNotFoundError(f"--model: instance file {str(path)!r} not found; pass fake:PATH to a .json or .npz instance")

    problem, _ = load_instance(path)
    if problem.batch_shape:
        raise ValueError(f"--model: {path} contains a batch of instances {problem.batch_shape}; fake: needs a file with a single instance")

    backend, prompter, reward = tabular_fakes(problem)
    # NOTE: every context counts equally in the summary; context_probs of the instance is not used.
    prompts = [PromptRecord(id=label, text=label, source="tabular", meta={}) for label in prompter.labels.contexts]
    identity = {"model_spec": args.model, "instance_sha256": file_sha256(path)}
    return backend, prompts[: args.num_prompts], prompter, reward, identity


def _model_setup(args: argparse.Namespace):
    """Return backend, prompts, prompter, reward and identity for a language model and a task preset."""
    from llm_eval.backends import load_backend
    from llm_eval.outputs import model_file_hashes
    from llm_eval.prompters import load_prompter
    from llm_eval.prompts import load_prompts
    from llm_eval.rewards import load_reward
    from llm_eval.tasks import get_task

    task = get_task(args.task)
    prompt_source = args.prompts or task.prompts
    reward_spec = args.reward or task.reward
    prompter_spec = args.prompter or task.prompter

    # Cheap checks first, so a bad prompt file or reward name fails before the model loads.
    prompts = load_prompts(prompt_source, limit=args.num_prompts, seed=args.seed)
    reward = load_reward(reward_spec)
    backend = load_backend(args.model, dtype=args.dtype, batch_size=args.batch_size)
    prompter = load_prompter(prompter_spec, backend)

    identity = {
        "model_spec": args.model,
        "model_files": _model_files(args.model, model_file_hashes),
        "task": task.name,
        "prompt_source": prompt_source,
        "reward_spec": reward_spec,
        "prompter_spec": prompter_spec,
        "dtype": args.dtype,
        # The backend's samples for a seed depend on how sequences are batched.
        "batch_size": args.batch_size,
    }
    return backend, prompts, prompter, reward, identity


def _model_files(model: str, hashes) -> dict[str, str]:
    """Return SHA-256 hashes of the model's weight files (empty for a server, whose weights are not visible)."""
    if model == "smollm2":
        from llm_eval.backends.model_cache import smollm2_gguf_path

        return hashes(smollm2_gguf_path())
    path = Path(model.removeprefix("vllm:"))
    if path.exists():
        return hashes(path)
    return {}


def run(args: argparse.Namespace) -> int:
    """Run or resume the evaluation and print the summary table."""
    from llm_eval.outputs import package_versions
    from llm_eval.runner import run_evaluation

    settings = _settings(args)
    if args.model.startswith(FAKE_PREFIX):
        backend, prompts, prompter, reward, identity = _tabular_setup(args)
    else:
        backend, prompts, prompter, reward, identity = _model_setup(args)

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
