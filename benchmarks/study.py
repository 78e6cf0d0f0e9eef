"""The default study as a whole: run it (or read a finished run), watch its jobs, and time them
from Snakemake's per-job benchmark files (logs/benchmarks/{rule}/{point}.tsv) and the run records
(results/models/*/record.json)."""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from throughput import median

ROOT = Path(__file__).resolve().parents[1]


def clone_project(directory: Path) -> None:
    """A clean clone of the project's committed state (uncommitted changes are not measured)."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(directory)], check=True)


def job_kind(cmdline: list[str]) -> str | None:
    for arg in cmdline:
        found = re.search(r"\.snakemake/scripts/tmp[^/.]*\.(\w+)\.py$", arg)
        if found:
            return found.group(1)
    if any(arg.endswith("snakemake") for arg in cmdline[:2]):
        return "snakemake (scheduler)"
    return None


class JobMonitor(threading.Thread):
    """Peak RSS (the kernel's VmHWM) and lifetime of every process below `pid`, by job kind."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval, self.stop, self.seen = pid, interval, threading.Event(), {}

    def run(self):
        import psutil

        root = psutil.Process(self.pid)
        while not self.stop.is_set():
            try:
                processes = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            now = time.time()
            for process in processes:
                try:
                    key = (process.pid, process.create_time())
                    entry = self.seen.get(key)
                    if entry is None:
                        entry = self.seen[key] = {"kind": job_kind(process.cmdline()), "start": key[1], "hwm_kb": 0}
                    status = Path(f"/proc/{process.pid}/status").read_text()
                    hwm = re.search(r"VmHWM:\s*(\d+)", status)
                    entry["hwm_kb"] = max(entry["hwm_kb"], int(hwm.group(1)) if hwm else 0)
                    entry["last"] = now
                except (psutil.Error, OSError):
                    continue
            self.stop.wait(self.interval)

    def by_kind(self) -> dict:
        kinds = {}
        for entry in self.seen.values():
            if entry["kind"] is None:
                continue
            k = kinds.setdefault(entry["kind"], {"jobs": 0, "peak_rss_mb": 0.0, "seconds": []})
            k["jobs"] += 1
            k["peak_rss_mb"] = max(k["peak_rss_mb"], entry["hwm_kb"] / 1024)
            k["seconds"].append(entry.get("last", entry["start"]) - entry["start"])
        for k in kinds.values():
            k["median_seconds"], k["total_seconds"] = median(k["seconds"]), sum(k["seconds"])
            del k["seconds"]
        return kinds


def snakemake_command(directory: Path, cores: int) -> list[str]:
    """Snakemake on the project checkout in `directory`, or on this checkout's workflow with
    `directory` as its working directory when it holds results only."""
    command = [str(Path(sys.executable).parent / "snakemake"), "--cores", str(cores), "--quiet"]
    if not (directory / "Snakefile").exists():
        command += ["-s", str(ROOT / "Snakefile"), "-d", str(directory)]
    return command


def run(directory: Path, cores: int, log, env: dict) -> dict:
    """Clone the project into `directory`, run the default study there from scratch, then once
    more (nothing to do)."""
    if directory.exists():
        shutil.rmtree(directory)
    clone_project(directory)
    env = {**env, "PYTHONPATH": str(directory / "src")}  # the clone's package, not the working tree's
    timings = {"cores": cores, "started": datetime.datetime.now().isoformat(timespec="seconds"),
               "loadavg_before": os.getloadavg()}
    for name in ("full", "noop", "noop2", "noop3"):  # the no-op figure is the median of three
        log(f"  snakemake --cores {cores} ({name} run) in {directory}")
        start = time.perf_counter()
        process = subprocess.Popen(snakemake_command(directory, cores), cwd=directory, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, env=env)
        monitor = JobMonitor(process.pid)
        monitor.start()
        output = process.communicate()[0].decode(errors="replace")
        timings[f"{name}_seconds"] = time.perf_counter() - start
        monitor.stop.set()
        monitor.join()
        timings[f"{name}_jobs"] = monitor.by_kind()
        if process.returncode != 0:
            raise RuntimeError(f"snakemake failed ({name} run):\n{output[-3000:]}")
    timings["noop_runs"] = [timings.pop(f"{n}_seconds") for n in ("noop", "noop2", "noop3")]
    timings["noop_seconds"] = median(timings["noop_runs"])
    for n in ("noop2", "noop3"):
        timings.pop(f"{n}_jobs")
    timings["loadavg_after"] = os.getloadavg()
    (directory / "timings.json").write_text(json.dumps(timings, indent=2))
    return timings


def read_timings(directory: Path, cores: int, log, env: dict) -> dict:
    """Timings of a finished run: timings.json if this script ran it, else the span of the
    newest Snakemake log that ran jobs, and a no-op rerun timed now."""
    saved = directory / "timings.json"
    if saved.exists():
        return json.loads(saved.read_text())
    timings = {"cores": None, "full_jobs": {}}
    logs = sorted((directory / ".snakemake" / "log").glob("*.snakemake.log"))
    for path in reversed(logs):
        text = path.read_text(errors="replace")
        stamps = re.findall(r"^\[(\w{3} \w{3}\s+\d+ [\d:]{8} \d{4})\]", text, flags=re.M)
        if "Finished job" in text or "Finished jobid" in text:
            span = [datetime.datetime.strptime(" ".join(s.split()), "%a %b %d %H:%M:%S %Y") for s in stamps]
            timings["full_seconds"] = (max(span) - min(span)).total_seconds() if span else None
            timings["full_source"] = str(path)
            break
    dry = subprocess.run([a for a in snakemake_command(directory, cores) if a != "--quiet"] + ["-n"], cwd=directory, capture_output=True, text=True, env=env)
    if "Nothing to be done" in dry.stdout + dry.stderr:
        log(f"  timing a no-op rerun in {directory}")
        start = time.perf_counter()
        subprocess.run(snakemake_command(directory, cores), cwd=directory, check=True, capture_output=True, env=env)
        timings["noop_seconds"] = time.perf_counter() - start
    return timings


def study_records(directory: Path) -> list[dict]:
    """One row per training job (a point of the sweep: its seeds, trained one after the other)
    from the files the workflow writes: the run records and Snakemake's benchmark file
    (logs/benchmarks/{rule}/{point}.tsv)."""
    by_point = {}
    for record_path in sorted((directory / "results" / "models").glob("*/record.json")):
        point = record_path.parent.name.rsplit("-", 1)[0]  # the run's folder without -s{seed}
        by_point.setdefault(point, []).append(json.loads(record_path.read_text()))
    rows = []
    for point, records in by_point.items():
        config = records[0]["config"]
        row = {"point": point, "seeds": len(records), "config": config,
               "resumed": any(r.get("resumed_from_epoch") for r in records)}
        tsv = directory / "logs" / "benchmarks" / f"train_{config['model']}" / f"{point}.tsv"
        if tsv.exists():
            header, values = tsv.read_text().splitlines()[:2]
            bench = dict(zip(header.split("\t"), values.split("\t")))
            row["job_s"], row["max_rss_mb"] = float(bench["s"]), float(bench["max_rss"])
        images = training = compile_s = math = 0.0
        for record in records:
            epochs, batch = record["config"]["epochs"], record["config"]["batch_size"]
            run_images = epochs * (record["train_images"] // batch) * batch
            steady_epoch = (record["training_seconds"] - record["first_epoch_seconds"]) / max(epochs - 1, 1)
            images += run_images
            training += record["training_seconds"]
            compile_s += record["first_epoch_seconds"] - steady_epoch
            math += run_images / record["images_per_second"]
        row.update(images=int(images), script_s=sum(r["wall_seconds"] for r in records), training_s=training,
                   compile_s=compile_s, math_s=math, job_images_per_s=images / training)
        rows.append(row)
    return rows


def summary(directory: Path, timings: dict, rows: list[dict]) -> dict:
    """The study's section of the results: its training jobs, their medians, and its pure training
    math (each job's images at the JAX throughput measured for the same arch, model and batch)."""
    by = {(r["arch"], r["model"], r["batch"]): r for r in rows}
    jobs = [j for j in study_records(directory) if not j["resumed"]]  # a resumed job's record mixes two processes
    math_s = 0.0
    for j in jobs:
        c = j["config"]
        ref = by.get((c["arch"], c["model"], c["batch_size"])) or by[(c["arch"], c["model"], 128)]
        math_s += j["images"] / ref["jax_ips"]
    per = {k: median([j[k] for j in jobs if k in j]) for k in
           ("job_s", "script_s", "training_s", "compile_s", "math_s", "job_images_per_s", "max_rss_mb")}
    per["overhead_s"] = median([j["job_s"] - j["math_s"] for j in jobs if "job_s" in j])
    per["start_s"] = median([j["job_s"] - j["script_s"] for j in jobs if "job_s" in j])
    per["setup_s"] = median([j["script_s"] - j["training_s"] for j in jobs])
    return {"directory": str(directory), "timings": timings, "jobs": jobs, "per_job": per, "math_seconds": math_s}
