"""Measure the ETL on a generated corpus: throughput, peak memory, 1 vs 2 workers, baselines, recall.

    python bench/generate_corpus.py                     # bench/out/corpus, 100 MB (once)
    python bench/bench_etl.py [--corpus DIR] [--workers 1,2] [--baseline-budget S] [--json FILE]
    python bench/bench_etl.py --profile --corpus DIR    # cProfile of a one-worker build, top functions

Each `python -m etl build` is timed from process start until it exits with the database written; peak RSS is the
largest sum over the process tree (parent and workers, polled every 50 ms with psutil, children listed every 0.5 s). The baselines read the same
files in this process: jieba.lcut over every document, jionlp's extract_money sentence by sentence, and rjieba.cut
as a reference; each stops after --baseline-budget seconds and then reports the throughput of what it covered.
Recall: a planted figure counts as found when its document has an extracted figure with the same unit_norm and
value_norm (tolerance 0.01 or 1e-6 relative); each extracted figure matches at most one planted one. The same
matcher scores data/raw against tests/gold/seeds.jsonl, which is the seed score the corpus recall is held to.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb
import psutil

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SENTENCE_RE = re.compile(r"[^。！？；\n]+")
FIGURES_SQL = """
    SELECT d.file_name, f.value_norm, f.unit_norm, f.year, f.region, f.partner, f.metric, f.approx, f.scope
    FROM figures f JOIN documents d USING (doc_id)
"""


def machine() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "nproc": os.cpu_count(), "cpu": cpu,
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1), "python": platform.python_version()}


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(corpus.rglob("*.txt"))


def _children_cpu() -> float:
    """User + system seconds of every finished child process and its own waited-for children (the workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_etl(corpus: Path, db: Path, workers: int, timeout: float, extra: list[str] | None = None) -> dict:
    """One `python -m etl build`, wall time from spawn to exit and the peak RSS of its process tree."""
    db.unlink(missing_ok=True)
    cmd = [sys.executable, *(extra or []), "-m", "etl", "build", "--raw", str(corpus), "--db", str(db),
           "--workers", str(workers), "--no-progress"]
    load_before = os.getloadavg()[0]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak_tree = peak_one = 0
    parent_cpu = 0.0
    timed_out = False
    tree, polls = [root], 0
    while proc.poll() is None:
        total = 0
        with contextlib.suppress(psutil.Error):
            times = root.cpu_times()
            parent_cpu = times.user + times.system  # the build process alone, not its workers
            if polls % 10 == 0:                     # listing children walks /proc: the costly part of a poll
                tree = [root, *root.children(recursive=True)]
            for p in tree:
                with contextlib.suppress(psutil.Error):
                    rss = p.memory_info().rss
                    total += rss
                    peak_one = max(peak_one, rss)
        peak_tree = max(peak_tree, total)
        polls += 1
        if time.perf_counter() - started > timeout:
            timed_out = True
            for p in [*root.children(recursive=True), root]:
                with contextlib.suppress(psutil.Error):
                    p.kill()
            break
        time.sleep(0.05)
    out, err = proc.communicate()
    took = time.perf_counter() - started
    return {"workers": workers, "seconds": took, "cpu_seconds": _children_cpu() - cpu_before,
            "parent_cpu_seconds": parent_cpu, "returncode": proc.returncode, "timed_out": timed_out,
            "peak_tree_rss": peak_tree, "peak_process_rss": peak_one, "load_before": load_before,
            "stderr_tail": err.strip().splitlines()[-3:]}


def _read(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def run_baseline(name: str, files: list[Path], budget: float) -> dict:
    """Time a baseline from its import to its last document, stopping after budget seconds."""
    load_before = os.getloadavg()[0]
    started, cpu_before = time.perf_counter(), time.process_time()
    if name == "jieba.lcut":
        import jieba
        jieba.setLogLevel(60)
        jieba.initialize()
        work = jieba.lcut
    elif name == "jionlp.extract_money":
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            import jionlp
        extract = jionlp.ner.extract_money

        def work(text):
            return [extract(m.group(0)) for m in SENTENCE_RE.finditer(text)]
    elif name == "rjieba.cut":
        import rjieba
        work = rjieba.cut
    else:
        raise ValueError(name)
    done_bytes = done_docs = 0
    for path in files:
        work(_read(path))
        done_bytes += path.stat().st_size
        done_docs += 1
        if time.perf_counter() - started > budget:
            break
    took = time.perf_counter() - started
    return {"name": name, "seconds": took, "cpu_seconds": time.process_time() - cpu_before,
            "bytes": done_bytes, "documents": done_docs,
            "complete": done_docs == len(files), "load_before": load_before}


def extracted(db: Path) -> dict[str, list[tuple]]:
    by_doc: dict[str, list[tuple]] = defaultdict(list)
    con = duckdb.connect(str(db), read_only=True)
    try:
        for file_name, *row in con.execute(FIGURES_SQL).fetchall():
            by_doc[file_name].append(tuple(row))
    finally:
        con.close()
    return by_doc


def score(planted: list[dict], by_doc: dict[str, list[tuple]]) -> dict:
    """Recall of planted figures, and how often the matched ones got year, region, partner and metric right."""
    pools: dict[tuple, list[tuple]] = defaultdict(list)
    for doc, rows in by_doc.items():
        for row in rows:
            if row[0] is not None:
                pools[(doc, row[1])].append(row)
    found, checks = 0, defaultdict(lambda: [0, 0])
    for fig in planted:
        pool, want = pools.get((fig["doc"], fig["unit_norm"]), []), fig["value_norm"]
        hits = [i for i, r in enumerate(pool) if abs(r[0] - want) <= max(0.01, 1e-6 * abs(want))]
        if not hits:
            continue
        best = next((i for i in hits if pool[i][2] == fig.get("year")), hits[0])
        row = pool.pop(best)
        found += 1
        for key, got in (("year", row[2]), ("region", row[3]), ("partner", row[4]), ("approx", row[6]),
                         ("scope", row[7])):
            if fig.get(key) is not None:
                checks[key][0] += got == fig[key]
                checks[key][1] += 1
        if fig.get("metric"):
            checks["metric"][0] += row[5] in fig["metric"]
            checks["metric"][1] += 1
    return {"planted": len(planted), "found": found, "recall": found / len(planted) if planted else 0.0,
            "attributes": {k: {"right": r, "of": n, "share": r / n if n else 0.0} for k, (r, n) in checks.items()}}


def load_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def seed_score(work: Path, timeout: float) -> dict:
    db = work / "seed.duckdb"
    run = run_etl(ROOT / "data" / "raw", db, 1, timeout)
    if run["returncode"] != 0:
        return {"error": run["stderr_tail"]}
    gold = [{k: v for k, v in row.items() if v is not None}
            for row in load_jsonl(ROOT / "tests" / "gold" / "seeds.jsonl")]
    return score(gold, extracted(db))


def profile(corpus: Path, work: Path, timeout: float, top: int) -> None:
    import pstats
    prof = OUT / "etl_build.prof"
    run = run_etl(corpus, work / "profile.duckdb", 1, timeout, extra=["-m", "cProfile", "-o", str(prof)])
    mb = sum(p.stat().st_size for p in corpus_files(corpus)) / 1e6
    print(f"profiled one-worker build of {mb:.1f} MB in {run['seconds']:.1f} s (under cProfile), "
          f"rc={run['returncode']}")
    for key in ("tottime", "cumulative"):
        print(f"\n--- top {top} by {key} ---")
        pstats.Stats(str(prof)).strip_dirs().sort_stats(key).print_stats(top)


def targets(results: dict) -> list[tuple[str, str, bool]]:
    """The issue's targets against this run's figures: (target, measured, met)."""
    out = []
    bases = {b["name"]: b for b in results.get("baselines", [])}
    for name, want, label in (("jieba.lcut", 5.0, ">= 5x jieba.lcut"),
                              ("jionlp.extract_money", 1.0, "faster than extract_money")):
        if name in bases and "cpu_ratio_w1" in bases[name]:
            b = bases[name]
            measured = f"{b['cpu_ratio_w1']:.2f}x per CPU-second, {b['ratio_w1']:.2f}x wall"
            out.append((f"one-worker ETL {label}", measured, b["cpu_ratio_w1"] >= want and b["ratio_w1"] >= want))
    peaks: dict[int, int] = {}
    for run in results["etl"]:
        if run["returncode"] == 0:
            peaks[run["workers"]] = max(peaks.get(run["workers"], 0), run["peak_tree_rss"])
    for w, peak in sorted(peaks.items()):
        label = f"peak RSS < 1 GiB, {w} worker(s), {results['corpus']['mb']:.0f} MB input"
        out.append((label, fmt_mb(peak) + " (process tree, largest of the runs)", peak < 2**30))
    if "scaling_2_vs_1" in results:
        loaded = max(r["load_before"] for r in results["etl"]) > 1.5
        out.append(("2 workers >= 1.7x one", f"{results['scaling_2_vs_1']:.2f}x wall"
                    + (" (machine loaded: not meaningful)" if loaded else ""), results["scaling_2_vs_1"] >= 1.7))
    seed, corpus = results.get("seed", {}), results.get("recall")
    if corpus and "recall" in seed:
        diff = 100 * (corpus["recall"] - seed["recall"])
        out.append(("recall within 2 points of the seed", f"{diff:+.1f} points", diff >= -2))
    return out


def median_runs(runs: list[dict]) -> dict[int, dict]:
    """The successful run of median wall time per worker count (the lower middle one of an even count)."""
    by_count: dict[int, list[dict]] = defaultdict(list)
    for run in runs:
        if run["returncode"] == 0:
            by_count[run["workers"]].append(run)
    return {w: sorted(rs, key=lambda r: r["seconds"])[(len(rs) - 1) // 2] for w, rs in by_count.items()}


def round_ratios(runs: list[dict]) -> list[float]:
    """One worker's wall time over two workers', per round in which both succeeded (back-to-back runs)."""
    rounds: dict[int, dict[int, float]] = defaultdict(dict)
    for run in runs:
        if run["returncode"] == 0:
            rounds[run.get("round", 0)][run["workers"]] = run["seconds"]
    return [r[1] / r[2] for _, r in sorted(rounds.items()) if 1 in r and 2 in r]


def fmt_mb(n: float) -> str:
    return f"{n / 2**20:.0f} MiB"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=OUT / "corpus",
                        help="generated corpus (default bench/out/corpus)")
    parser.add_argument("--workers", default="1,2", help="worker counts to time, comma-separated (default 1,2)")
    parser.add_argument("--baselines", default="jieba.lcut,jionlp.extract_money,rjieba.cut",
                        help="baselines to time, comma-separated ('' for none)")
    parser.add_argument("--baseline-budget", type=float, default=600, help="seconds per baseline at most (default 600)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of ETL builds, worker counts alternating; medians are reported (default 1)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per ETL build at most (default 3600)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--profile", action="store_true", help="only profile a one-worker build with cProfile")
    parser.add_argument("--keep", action="store_true", help="keep the built databases (bench/out/run-*/)")
    parser.add_argument("--top", type=int, default=25, help="functions listed by --profile (default 25)")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    files = corpus_files(args.corpus)
    if not files:
        print(f"no .txt files under {args.corpus}: run bench/generate_corpus.py first", file=sys.stderr)
        return 2
    # every run writes its databases to its own folder: two benchmarks at once must not read each other's files
    work = Path(tempfile.mkdtemp(prefix="run-", dir=OUT))
    try:
        return _bench(args, files, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _bench(args, files: list[Path], work: Path) -> int:
    if args.profile:
        profile(args.corpus, work, args.timeout, args.top)
        return 0
    total = sum(p.stat().st_size for p in files)
    mb = total / 1e6
    info = machine()
    print(f"{info['date']} · {info['nproc']} cores · {info['cpu']} · {info['memory_gib']} GiB · "
          f"Python {info['python']}")
    print(f"corpus {args.corpus}: {len(files)} documents, {mb:.1f} MB (10^6 bytes)\n")
    results = {"machine": info, "corpus": {"path": str(args.corpus), "documents": len(files), "mb": mb}, "etl": []}

    counts = [int(x) for x in args.workers.split(",") if x]
    for round_no in range(args.repeat):     # alternating, so that a drift of the machine hits every count alike
        for w in counts:
            run = run_etl(args.corpus, work / f"w{w}.duckdb", w, args.timeout)
            run["round"] = round_no
            run["mb_per_s"] = mb / run["seconds"]
            run["mb_per_cpu_s"] = mb / run["cpu_seconds"] if run["cpu_seconds"] else 0.0
            results["etl"].append(run)
            status = "ok" if run["returncode"] == 0 else f"FAILED rc={run['returncode']}"
            status += " (timeout)" if run["timed_out"] else ""
            print(f"ETL workers={w}: {run['seconds']:.1f} s, {run['mb_per_s']:.2f} MB/s; CPU {run['cpu_seconds']:.1f} s, "
                  f"{run['mb_per_cpu_s']:.2f} MB per CPU-second; peak RSS tree "
                  f"{fmt_mb(run['peak_tree_rss'])} (largest process {fmt_mb(run['peak_process_rss'])}) "
                  f"[{status}; load average before "
                  f"{run['load_before']:.1f}]")
            if run["returncode"] != 0:
                print("   " + "\n   ".join(run["stderr_tail"]))
    results["children_maxrss"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(f"largest single ETL process (getrusage RUSAGE_CHILDREN): {fmt_mb(results['children_maxrss'])}")
    ok = median_runs(results["etl"])
    if args.repeat > 1:
        print("median run per worker count (by wall time): " + ", ".join(
            f"workers={w} {r['seconds']:.1f} s, {r['mb_per_cpu_s']:.2f} MB per CPU-second" for w, r in ok.items()))
    if 1 in ok and 2 in ok:
        rounds = round_ratios(results["etl"])
        results["scaling_rounds"] = rounds
        results["scaling_2_vs_1"] = statistics.median(rounds)
        each = f" (median of the rounds: {', '.join(f'{x:.2f}x' for x in rounds)})" if len(rounds) > 1 else ""
        print(f"scaling: 2 workers {results['scaling_2_vs_1']:.2f}x one worker, wall time{each} (target >= 1.7x)")
        # What two idle cores would give: the build process's own work is serial, the workers' splits in two.
        parent = ok[2]["parent_cpu_seconds"]
        workers_cpu = ok[2]["cpu_seconds"] - parent
        bound = ok[1]["cpu_seconds"] / max(parent, workers_cpu / 2, ok[2]["cpu_seconds"] / 2)
        results["scaling_cpu_bound"] = bound
        print(f"   from CPU times: build process {parent:.1f} s + workers {ok[2]['cpu_seconds'] - parent:.1f} s "
              f"with 2 workers, vs {ok[1]['cpu_seconds']:.1f} s with 1: at most {bound:.2f}x on two idle cores")

    results["baselines"] = []
    for name in [b for b in args.baselines.split(",") if b]:
        base = run_baseline(name, files, args.baseline_budget)
        base["mb_per_s"] = base["bytes"] / 1e6 / base["seconds"]
        base["mb_per_cpu_s"] = base["bytes"] / 1e6 / base["cpu_seconds"]
        results["baselines"].append(base)
        cover = ("all" if base["complete"]
                 else f"first {base['documents']} documents, {base['bytes'] / 1e6:.1f} MB (budget)")
        print(f"baseline {name}: {base['mb_per_s']:.2f} MB/s, {base['mb_per_cpu_s']:.2f} MB per CPU-second, over "
              f"{cover} [load average before {base['load_before']:.1f}]")
        for w, run in sorted(ok.items()):
            base[f"ratio_w{w}"] = run["mb_per_s"] / base["mb_per_s"]
            base[f"cpu_ratio_w{w}"] = run["mb_per_cpu_s"] / base["mb_per_cpu_s"]
            print(f"   ETL w={w} / {name}: {base[f'ratio_w{w}']:.2f}x wall, "
                  f"{base[f'cpu_ratio_w{w}']:.2f}x per CPU-second")

    best = ok.get(1) or next(iter(ok.values()), None)
    planted_path = args.corpus / "planted.jsonl"
    if best and planted_path.exists():
        corpus_score = score(load_jsonl(planted_path), extracted(work / f"w{best['workers']}.duckdb"))
        results["recall"] = corpus_score
        seed = seed_score(work, args.timeout)
        results["seed"] = seed
        print(f"\nrecall on planted figures: {corpus_score['recall']:.1%} "
              f"({corpus_score['found']} of {corpus_score['planted']})")
        if "recall" in seed:
            print(f"seed recall, same matcher: {seed['recall']:.1%} ({seed['found']} of {seed['planted']}); "
                  f"difference {100 * (corpus_score['recall'] - seed['recall']):+.1f} points (target within 2)")
        else:
            print(f"seed build failed: {seed}")
        for key, c in corpus_score["attributes"].items():
            s = seed.get("attributes", {}).get(key)
            seed_part = f"; seed {s['share']:.1%} of {s['of']}" if s else ""
            print(f"  {key} right on found figures: {c['share']:.1%} of {c['of']}{seed_part}")
    results["targets"] = targets(results)
    if results["targets"]:
        print("\ntargets (issue 5):")
        for name, value, met in results["targets"]:
            print(f"  [{'met' if met else 'NOT met'}] {name}: {value}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
