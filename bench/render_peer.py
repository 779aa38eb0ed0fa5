#!/usr/bin/env python3
"""Report exports against LibreOffice headless, on the same tables (bench/README.md).

Ours (build/bench/render_bench, Google Benchmark, medians of --reps): a 100,000-row table to
CSV and to XLSX (libxlsxwriter, normal and constant_memory mode), a 920-row table to a
20-page PDF, each with its peak RSS (render_bench --peak_rss, one forked child each).
Peer: `soffice --headless --convert-to xlsx|pdf` of the CSV our renderer wrote for the same
table (the 100,000 rows to XLSX, the 920 rows to PDF), wall time of the whole process and its
peak RSS (os.wait4). LibreOffice's first start creates its profile; that cold run is reported
apart and the medians are of the warm runs after it.

Prints one JSON object. Usage: bench/render_peer.py [--build build] [--reps 5] [--out DIR]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time


def run_timed(cmd):
    """Runs cmd; returns (seconds, peak RSS in MB of it and its waited-for children)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {err}")
    return seconds, usage.ru_maxrss / 1024.0


def pdf_pages(path):
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    return int(next(l.split()[1] for l in info.splitlines() if l.startswith("Pages:")))


def ours(build, reps, out):
    bench = os.path.join(build, "bench", "render_bench")
    subprocess.run([bench, f"--write={out}"], check=True)
    raw = subprocess.run(
        [bench, f"--benchmark_repetitions={reps}", "--benchmark_report_aggregates_only=true",
         "--benchmark_format=json"], capture_output=True, text=True, check=True).stdout
    medians = {b["run_name"]: b for b in json.loads(raw)["benchmarks"]
               if b.get("aggregate_name") == "median"}

    def ms(name):
        return round(medians[name]["real_time"], 1)

    def cpu_ms(name):
        return round(medians[name]["cpu_time"], 1)

    def peak(fmt, rows=None):
        cmd = [bench, f"--peak_rss={fmt}"] + ([f"--rows={rows}"] if rows else [])
        return json.loads(subprocess.run(cmd, capture_output=True, text=True,
                                         check=True).stdout)

    names = {"csv": "BM_Csv100k/real_time",
             "xlsx": "BM_Xlsx100k/constant_memory:0/real_time",
             "xlsx_constant_memory": "BM_Xlsx100k/constant_memory:1/real_time",
             "pdf": "BM_Pdf20Pages/real_time"}
    result = {}
    for fmt, name in names.items():
        p = peak(fmt, 920 if fmt == "pdf" else None)
        result[fmt] = {"median_ms": ms(name), "cpu_ms": cpu_ms(name), "bytes": p["bytes"],
                       "doc_rss_mb": p["doc_rss_mb"], "peak_rss_mb": p["peak_rss_mb"]}
    result["pdf"]["pages"] = pdf_pages(os.path.join(out, "table20pages.pdf"))
    return result


def soffice(reps, out):
    exe = shutil.which("soffice")
    if exe is None:
        return {"error": "soffice not installed (apt-get install libreoffice-calc-nogui)"}
    profile = os.path.join(out, "lo-profile")
    shutil.rmtree(profile, ignore_errors=True)
    target = os.path.join(out, "lo")
    os.makedirs(target, exist_ok=True)

    def convert(kind, csv):
        # CSV import: comma, double quote, UTF-8 (76), from line 1.
        cmd = [exe, "--headless", "--norestore", f"-env:UserInstallation=file://{profile}",
               "--infilter=CSV:44,34,76,1", "--convert-to", kind, "--outdir", target, csv]
        return run_timed(cmd)

    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    result = {"version": version}
    cold = convert("pdf", os.path.join(out, "table20pages.csv"))  # creates the profile
    result["cold_start_pdf_s"] = round(cold[0], 2)
    # What starting LibreOffice costs: a one-row CSV to XLSX.
    tiny = os.path.join(out, "tiny.csv")
    with open(tiny, "w", encoding="utf-8") as f:
        f.write("a,b\r\n1,2\r\n")
    result["startup_ms"] = round(statistics.median(
        convert("xlsx", tiny)[0] for _ in range(reps)) * 1000, 1)
    for kind, csv in (("xlsx", "table100k.csv"), ("pdf", "table20pages.csv")):
        runs = [convert(kind, os.path.join(out, csv)) for _ in range(reps)]
        result[kind] = {"median_ms": round(statistics.median(r[0] for r in runs) * 1000, 1),
                        "runs_ms": [round(r[0] * 1000) for r in runs],
                        "peak_rss_mb": round(max(r[1] for r in runs), 1)}
        produced = os.path.join(target, csv.rsplit(".", 1)[0] + "." + kind)
        result[kind]["bytes"] = os.path.getsize(produced)
        if kind == "pdf":
            result[kind]["pages"] = pdf_pages(produced)
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", default="bench/out/render")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    out = os.path.abspath(args.out)
    mine = ours(args.build, args.reps, out)
    peer = soffice(args.reps, out)
    report = {"ours": mine, "soffice": peer}
    if "error" not in peer:
        report["ratio_xlsx"] = round(peer["xlsx"]["median_ms"] /
                                     mine["xlsx_constant_memory"]["median_ms"], 1)
        report["ratio_pdf"] = round(peer["pdf"]["median_ms"] / mine["pdf"]["median_ms"], 1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
