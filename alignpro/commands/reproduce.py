"""``align-pro reproduce``: the main job, theory checks, a simulation sweep and a real-model evaluation.

The three stages run in order into ``--out`` and end with ``report.md``, which puts theory next to
simulation and next to measurements on the real model (see :mod:`alignpro.pipeline`). A rerun with
the same options resumes an interrupted run, and on a finished run it rebuilds only the report.
"""

from __future__ import annotations

import argparse
import logging

logger = logging.getLogger(__name__)

# The joblib backends of simulators.config.BACKENDS, repeated here so that --help imports nothing heavy.
SWEEP_BACKENDS = ("loky", "threading", "multiprocessing", "sequential", "dask", "ray")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``reproduce`` subparser."""
    parser = subparsers.add_parser(
        "reproduce",
        help="run theory checks, a simulation sweep and a real-model evaluation, then write report.md",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--quick", action="store_true", help="small sizes that finish in a few minutes on two CPU cores (default: the full run, under an hour)")
    parser.add_argument("--out", default="results/reproduce", help="output folder; an existing run there is resumed (default results/reproduce)")
    parser.add_argument("--jobs", type=int, default=1, help="joblib worker processes of the sweep, -1 for all cores (default 1)")
    parser.add_argument("--backend", default=None, choices=SWEEP_BACKENDS, help="joblib backend of the sweep (default: the sweep configuration's); dask and ray need their packages")
    parser.add_argument("--sweep-config", default=None, help="TOML sweep configuration replacing the preset's sweep, e.g. configs/paper.toml")
    parser.add_argument("--model", default=None, help="target model: 'smollm2' (default), a local Hugging Face model folder, 'openai:http://127.0.0.1:PORT/v1[#MODEL]' or 'vllm:PATH'")
    parser.add_argument("--task", default=None, help="task preset of the evaluation giving prompts, reward and prompter (default rtp-safe)")
    parser.add_argument("--prompts", default=None, help="prompt source overriding the task: ifbench, realtoxicityprompts, donotanswer or a .jsonl/.csv/.parquet file")
    parser.add_argument("--reward", default=None, help="reward overriding the task, e.g. sentiment, relevance, '0.5*non_offensive+0.5*relevance' or hf:PATH")
    parser.add_argument("--prompter", default=None, help="prompter overriding the task: templates or rewriter")
    parser.add_argument("--num-prompts", type=int, default=None, help="prompts of the evaluation (default 4 with --quick, 16 otherwise)")
    parser.add_argument("--dtype", choices=("float32", "bfloat16"), default=None, help="weights of a local model (default float32)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run or resume the main job and print where the report is."""
    from alignpro.pipeline import get_preset, run_reproduce

    if args.jobs == 0 or args.jobs < -1:
        raise ValueError(f"--jobs: got {args.jobs}; give a positive number of worker processes or -1 for all cores")
    if args.num_prompts is not None and args.num_prompts < 1:
        raise ValueError(f"--num-prompts: must be at least 1, got {args.num_prompts}")

    preset = get_preset("quick" if args.quick else "default")
    preset = preset.with_sweep_config(args.sweep_config).with_eval(
        model=args.model,
        task=args.task,
        prompts=args.prompts,
        reward=args.reward,
        prompter=args.prompter,
        num_prompts=args.num_prompts,
        dtype=args.dtype,
    )

    # Progress goes to the log, so show INFO records unless the user asked for less.
    if not logging.getLogger().isEnabledFor(logging.INFO):
        logging.getLogger("alignpro").setLevel(logging.INFO)
    result = run_reproduce(preset, args.out, jobs=args.jobs, backend=args.backend)

    if result.stages_skipped:
        print(f"Stages already finished and reused: {', '.join(result.stages_skipped)}")
    print(f"Report: {result.report}")
    return 0
