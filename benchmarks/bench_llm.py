"""Generation and scoring throughput of the SmolLM2 backend against llama.cpp on the same GGUF file.

Run ``python -m benchmarks.bench_llm [--out DIR] [--new-tokens 32] [--threads N] [--force]``.
Run it on an otherwise idle machine. Each stage runs in its own subprocess, so the peak
resident set size (``ru_maxrss``) belongs to that stage alone:

- ``load``: dequantize the GGUF into a fresh cache under DIR, then reload from the cache;
- ``transformers-float32`` / ``transformers-bfloat16``: generation at batch 1, 8, 32 and 64 with
  exactly ``--new-tokens`` sampled tokens per sequence (stop token suppressed, full distribution),
  then teacher-forced scoring of 64 (prompt, continuation) pairs at batch 16 and 64;
- ``llama-cpp``: the same measurements with llama.cpp (:mod:`benchmarks.llama_cpp_reference`).

Every stage writes ``DIR/<stage>.json`` when it finishes, and a rerun skips stages whose file
exists (``--force`` reruns them). The float32 stage also writes the scoring set that later stages
reuse. The summary table is printed in Markdown for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BATCH_SIZES = (1, 8, 32, 64)
SCORING_BATCH_SIZES = (16, 64)
STAGES = ("load", "transformers-float32", "transformers-bfloat16", "llama-cpp")


def peak_rss_mib() -> float:
    """Peak resident set size of this process in MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def benchmark_chats(count: int = 64) -> list[list[dict]]:
    """Short user prompts (RealToxicityPrompts openings) as single-message chats."""
    from llm_eval.prompts import load_prompts

    return [[{"role": "user", "content": record.text}] for record in load_prompts("realtoxicityprompts", limit=count, seed=0)]


def run_load(out: Path) -> dict:
    from llm_eval.backends import load_backend

    cache = out / "cache"
    started = time.perf_counter()
    load_backend("smollm2", cache_dir=str(cache))
    dequantize_s = time.perf_counter() - started

    started = time.perf_counter()
    load_backend("smollm2", cache_dir=str(cache))
    return {"dequantize_load_s": dequantize_s, "cached_load_s": time.perf_counter() - started}


def run_transformers(out: Path, dtype: str, new_tokens: int) -> dict:
    import torch

    from llm_eval.backends import load_backend
    from llm_eval.backends.transformers_backend import left_pad

    backend = load_backend("smollm2", cache_dir=str(out / "cache"), dtype=dtype)
    prompts = [backend.prompt_ids(chat) for chat in benchmark_chats()]

    def generate(batch: list[list[int]], tokens: int) -> torch.Tensor:
        input_ids, attention_mask, _ = left_pad(batch, backend.pad_id)
        with torch.inference_mode():
            output = backend.model.generate(
                input_ids=input_ids, attention_mask=attention_mask, do_sample=True, top_k=0, top_p=1.0,
                max_new_tokens=tokens, min_new_tokens=tokens, pad_token_id=backend.pad_id,
            )
        return output[:, input_ids.shape[1]:]

    torch.manual_seed(0)
    generate(prompts[:2], 4)  # warm-up: first-call allocations are not part of the rate
    generation = {}
    for batch_size in BATCH_SIZES:
        started = time.perf_counter()
        new = generate(prompts[:batch_size], new_tokens)
        generation[str(batch_size)] = new.numel() / (time.perf_counter() - started)

    scoring_set = out / "scoring_set.json"
    if dtype == "float32":
        texts = [backend.tokenizer.decode(row, skip_special_tokens=True) for row in new.tolist()]
        scoring_set.write_text(json.dumps({"chats": benchmark_chats(), "continuations": texts}))
    inputs = json.loads(scoring_set.read_text())
    scoring, log_probs = score_rates(backend, inputs)
    return {"generation_tokens_per_s": generation, "scoring_tokens_per_s": scoring, "log_probs": log_probs.tolist()}


def score_rates(backend, inputs: dict) -> tuple[dict, np.ndarray]:
    """Scoring throughput (prompt + continuation tokens per second) at each scoring batch size."""
    chats, continuations = inputs["chats"], inputs["continuations"]
    total_tokens = sum(len(backend.prompt_ids(c)) + len(backend.continuation_ids(t)) for c, t in zip(chats, continuations))
    rates = {}
    for batch_size in SCORING_BATCH_SIZES:
        backend.batch_size = batch_size
        started = time.perf_counter()
        log_probs = backend.log_probs(chats, continuations)
        rates[str(batch_size)] = total_tokens / (time.perf_counter() - started)
    return rates, log_probs


def run_llama_cpp(out: Path, new_tokens: int, threads: int) -> dict:
    from benchmarks.llama_cpp_reference import LlamaCppEngine
    from llm_eval.backends import load_backend
    from llm_eval.backends.model_cache import smollm2_gguf_path

    tokenizer_backend = load_backend("smollm2", cache_dir=str(out / "cache"))
    prompts = [tokenizer_backend.prompt_ids(chat) for chat in benchmark_chats()]
    inputs = json.loads((out / "scoring_set.json").read_text())
    pairs = [(tokenizer_backend.prompt_ids(c), tokenizer_backend.continuation_ids(t)) for c, t in zip(inputs["chats"], inputs["continuations"])]
    tokenizer_backend.close()

    capacity = sum(len(p) + len(c) for p, c in pairs) + sum(len(p) for p in prompts) + 64 * new_tokens
    engine = LlamaCppEngine(str(smollm2_gguf_path()), max_sequences=64, max_tokens=capacity, threads=threads)
    engine.generate(prompts[:2], 4, seed=0)

    generation = {}
    for batch_size in BATCH_SIZES:
        started = time.perf_counter()
        engine.generate(prompts[:batch_size], new_tokens, seed=0)
        generation[str(batch_size)] = batch_size * new_tokens / (time.perf_counter() - started)

    total_tokens = sum(len(p) + len(c) for p, c in pairs)
    scoring = {}
    for batch_size in SCORING_BATCH_SIZES:
        started = time.perf_counter()
        log_probs = np.concatenate([engine.score(pairs[i:i + batch_size]) for i in range(0, len(pairs), batch_size)])
        scoring[str(batch_size)] = total_tokens / (time.perf_counter() - started)
    engine.close()
    return {"generation_tokens_per_s": generation, "scoring_tokens_per_s": scoring, "log_probs": log_probs.tolist()}


def run_stage(stage: str, out: Path, new_tokens: int, threads: int) -> None:
    """Run one stage in this process and write its JSON result."""
    if stage == "load":
        result = run_load(out)
    elif stage == "llama-cpp":
        result = run_llama_cpp(out, new_tokens, threads)
    else:
        result = run_transformers(out, stage.split("-")[1], new_tokens)

    result.update(stage=stage, peak_rss_mib=peak_rss_mib(), load_average=os.getloadavg()[0], new_tokens=new_tokens, threads=threads)
    (out / f"{stage}.json").write_text(json.dumps(result, indent=1))


def markdown_table(results: dict[str, dict]) -> str:
    """Format the stage results as the Markdown table and ratio lines of BENCHMARKS.md."""
    reference = np.asarray(results["transformers-float32"]["log_probs"])
    header = (
        "| engine | peak RSS (MiB) | "
        + " | ".join(f"generate b={b} (tok/s)" for b in BATCH_SIZES)
        + " | "
        + " | ".join(f"score b={b} (tok/s)" for b in SCORING_BATCH_SIZES)
        + " | mean / max abs Δ log p vs float32 (nats) |"
    )
    lines = [header, "|" + " --- |" * (3 + len(BATCH_SIZES) + len(SCORING_BATCH_SIZES))]
    for stage in STAGES[1:]:
        result = results[stage]
        difference = np.abs(np.asarray(result["log_probs"]) - reference)
        cells = [f"{result['generation_tokens_per_s'][str(b)]:.0f}" for b in BATCH_SIZES]
        cells += [f"{result['scoring_tokens_per_s'][str(b)]:.0f}" for b in SCORING_BATCH_SIZES]
        accuracy = "0 (reference)" if stage.endswith("float32") else f"{difference.mean():.3f} / {difference.max():.3f}"
        lines.append(f"| {stage} | {result['peak_rss_mib']:.0f} | " + " | ".join(cells) + f" | {accuracy} |")

    def best(stage: str, key: str, sizes) -> float:
        return max(results[stage][key][str(b)] for b in sizes)

    batched = [b for b in BATCH_SIZES if b > 1]
    ours = [stage for stage in STAGES[1:3]]
    generation_ratio = max(best(s, "generation_tokens_per_s", batched) for s in ours) / best("llama-cpp", "generation_tokens_per_s", batched)
    scoring_ratio = max(best(s, "scoring_tokens_per_s", SCORING_BATCH_SIZES) for s in ours) / best("llama-cpp", "scoring_tokens_per_s", SCORING_BATCH_SIZES)
    load = results["load"]
    lines += [
        "",
        f"- Best batched generation, transformers / llama.cpp: {generation_ratio:.2f}x; best scoring: {scoring_ratio:.2f}x.",
        f"- Load: GGUF dequantize {load['dequantize_load_s']:.1f} s, safetensors cache reload {load['cached_load_s']:.1f} s.",
        "- 1-minute load average when each stage ended: "
        + ", ".join(f"{stage} {results[stage]['load_average']:.2f}" for stage in STAGES)
        + ".",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/llm"), help="folder for stage results and the model cache")
    parser.add_argument("--new-tokens", type=int, default=32, help="sampled tokens per sequence in the generation runs")
    parser.add_argument("--force", action="store_true", help="rerun stages whose result file exists")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="CPU threads for torch and llama.cpp (default: all cores)")
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    if args.stage:
        import torch

        torch.set_num_threads(args.threads)
        run_stage(args.stage, args.out, args.new_tokens, args.threads)
        return 0

    for stage in STAGES:
        if (args.out / f"{stage}.json").is_file() and not args.force:
            print(f"{stage}: kept earlier result", file=sys.stderr)
            continue
        print(f"{stage}: running", file=sys.stderr)
        command = [sys.executable, "-m", "benchmarks.bench_llm", "--stage", stage, "--out", str(args.out)]
        command += ["--new-tokens", str(args.new_tokens), "--threads", str(args.threads)]
        subprocess.run(command, check=True)

    results = {stage: json.loads((args.out / f"{stage}.json").read_text()) for stage in STAGES}
    print(markdown_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
