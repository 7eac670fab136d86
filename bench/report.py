#!/usr/bin/env python3
"""The reproduction report (docs/algorithms.md, "The report"): runs the scenarios of
bench/scenarios/ as bench/plan.toml says (stepsize grid, seeds, horizons), keeps what the
report needs in bench/results/summary.json and writes bench/results/report.md with
matplotlib plots in bench/results/plots/.

  report.py run [--quick] [--jobs N] [--sim PATH] [--only TEXT[,TEXT...]]
        runs fedgate-sim (raw metrics in bench/results/runs/, not committed), then writes
        the summary and the report; --quick: the plan's smoke subset, one seed, no grid,
        short horizons, into bench/results/quick/ (nothing committed)
  report.py render [RESULTS]
        rewrites report.md and the plots from RESULTS/summary.json alone

Tuning: every grid value runs once (seed 1) for the scenario's full horizon; the value that
reaches the target first (accuracy, or F - F* for the quadratic) wins, else the best final
value (mean of the last three evaluations). The winner then runs with the remaining seeds."""
import argparse, json, math, os, subprocess, sys, time, tomllib
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EVAL_KEYS = ["time_s", "updates", "accuracy", "loss", "bytes_up", "bytes_down", "messages_up"]
MAX_POINTS = 60  # per curve in the summary: plots need >= 20, the file stays small


# ---- running ----

def load_plan():
    with open(os.path.join(HERE, "plan.toml"), "rb") as f:
        return tomllib.load(f)


def grid_points(entry):
    """[(label, {key: value})] for a scenario's grid; the keys move together."""
    keys = entry.get("keys", [])
    return [(str(v), {k: v for k in keys}) for v in entry.get("grid", [])]


def run_one(sim, scenario, overrides, out, quick_seconds=None):
    """One fedgate-sim run; returns (ok, message)."""
    cmd = [sim, "-q", "-c", os.path.join(HERE, "scenarios", scenario + ".toml"),
           "--metrics", out + ".jsonl"]
    for k, v in overrides.items():
        cmd += ["--set", f"{k}={v}"]
    if quick_seconds is not None:
        cmd += ["--set", f"sim.max_virtual_seconds={quick_seconds}"]
    with open(out + ".err", "w") as err:
        rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=err).returncode
    if rc != 0:
        with open(out + ".err") as f:
            lines = f.read().strip().splitlines()
        return False, lines[-1] if lines else f"exit {rc}"
    return True, ""


def thin(rows):
    """At most MAX_POINTS evaluations, the first and the last kept."""
    if len(rows) <= MAX_POINTS:
        return rows
    step = (len(rows) - 1) / (MAX_POINTS - 1)
    return [rows[round(i * step)] for i in range(MAX_POINTS)]


def summarize_run(path, target):
    """One run reduced to what the report reads."""
    evals, summary, f_star, wall = [], None, 0.0, None
    with open(path) as f:
        for line in f:
            o = json.loads(line)
            ev = o.get("event")
            if ev == "eval":
                evals.append([o.get(k) for k in EVAL_KEYS])
            elif ev == "summary":
                summary = o
            elif ev == "sim":
                f_star = o.get("f_star", 0) or 0
            elif ev == "sim-wall":
                wall = o.get("wall_s")
    r = {"evals": [], "f_star": f_star, "wall_s": wall}
    if summary is None:
        return r
    applied = [c.get("updates", 0) for c in summary.get("clients", {}).values()]
    stale = {int(k): v for k, v in summary.get("staleness", {}).items()}
    n = sum(stale.values())
    r.update({
        "never_applied": summary.get("clients_never_applied", applied.count(0)),
        "applied_min": min(applied) if applied else 0,
        "applied_max": max(applied) if applied else 0,
        "stale_mean": sum(k * v for k, v in stale.items()) / n if n else 0,
        "skips": summary.get("skips", 0), "dropped_old": summary.get("dropped_old", 0),
    })
    # Reaching the target is decided on every evaluation, before thinning.
    r["reach"] = reach(evals, target, f_star)
    final = evals[-3:] if evals else []
    r["final"] = final_value(final, target, f_star)
    r["last"] = dict(zip(EVAL_KEYS, evals[-1])) if evals else {}
    r["evals"] = thin(evals)
    return r


def quality(row, target, f_star):
    """Accuracy, or -(F - F*) for the quadratic, so that higher is better."""
    if target["kind"] == "accuracy":
        return row[2] if row[2] is not None else 0.0
    loss = row[3]
    return -math.inf if loss is None or not math.isfinite(loss) else -max(loss - f_star, 1e-16)


def reach(evals, target, f_star):
    """The first evaluation that meets the target: {time_s, updates, bytes_up, bytes_total}."""
    goal = target["value"] if target["kind"] == "accuracy" else -target["value"]
    for row in evals:
        if quality(row, target, f_star) >= goal:
            e = dict(zip(EVAL_KEYS, row))
            return {"time_s": e["time_s"], "updates": e["updates"], "bytes_up": e["bytes_up"],
                    "bytes_total": e["bytes_up"] + e["bytes_down"], "messages_up": e["messages_up"]}
    return None


def final_value(rows, target, f_star):
    qs = [quality(r, target, f_star) for r in rows]
    if not qs or any(not math.isfinite(q) for q in qs):
        return None if target["kind"] == "gap" else 0.0
    q = sum(qs) / len(qs)
    return q if target["kind"] == "accuracy" else -q


def better(a, b, target):
    """Is run summary a better than b (the tuning rule)?"""
    if b is None:
        return True
    if (a.get("reach") is None) != (b.get("reach") is None):
        return a.get("reach") is not None
    if a.get("reach") is not None:
        return a["reach"]["time_s"] < b["reach"]["time_s"]
    fa, fb = a.get("final"), b.get("final")
    if fa is None or fb is None:
        return fb is None and fa is not None
    return fa > fb if target["kind"] == "accuracy" else fa < fb


def run_plan(args):
    plan = load_plan()
    sim = args.sim or os.environ.get("FEDGATE_SIM", os.path.join(ROOT, "build/host/sim/fedgate-sim"))
    if not os.access(sim, os.X_OK):
        sys.exit(f"report: {sim} not built (cmake --build --preset host)")
    quick = args.quick
    results = os.path.join(HERE, "results", "quick") if quick else os.path.join(HERE, "results")
    runs = os.path.join(results, "runs")
    os.makedirs(runs, exist_ok=True)
    seeds = [1] if quick else plan["seeds"]
    entries = []
    for name, entry in plan["scenario"].items():
        if quick and not entry.get("quick", False):
            continue
        if args.only and not any(part in name for part in args.only.split(",")):
            continue
        entries.append((name, entry))
    settings = plan["setting"]
    start = time.time()
    tuned = {}
    summary_path = os.path.join(results, "summary.json")

    # --only reruns a part: the other scenarios' results are kept from the last summary.
    kept, kept_seconds = {}, 0
    if args.only and os.path.exists(summary_path):
        with open(summary_path) as f:
            last = json.load(f)
        kept, kept_seconds = last.get("scenarios", {}), last.get("runs_seconds", 0)

    def save():
        merged = dict(kept)
        merged.update({n: tuned[n] for n, _ in entries if n in tuned})
        order = list(plan["scenario"])
        summary = {"quick": quick, "runs_seconds": kept_seconds + round(time.time() - start),
                   "jobs": args.jobs, "seeds": seeds,
                   "scenarios": {n: merged[n] for n in order if n in merged}}
        with open(summary_path, "w") as f:
            json.dump(summary, f, separators=(",", ":"))
            f.write("\n")

    def one(name, label, overrides, seed):
        tag = f"{name}@{label}#s{seed}"
        out = os.path.join(runs, tag.replace("@", "_").replace("#", "_"))
        o = dict(overrides)
        o["sim.seed"] = seed
        # The runs already share the cores: each gets its part (the metrics do not depend on it).
        o["sim.threads"] = max(1, (os.cpu_count() or 1) // max(1, args.jobs))
        setting = settings[name.split("--")[0]]
        ok, msg = run_one(sim, name, o, out, setting.get("quick_seconds") if quick else None)
        if not ok:
            print(f"report: {tag} failed: {msg}", file=sys.stderr)
            return {"error": msg}
        print(f"report: {tag} done ({round(time.time() - start)} s)", file=sys.stderr)
        return summarize_run(out + ".jsonl", setting["target"])

    def scenario(name, entry):
        """The grid at the first seed, then the winner with the other seeds."""
        target = settings[name.split("--")[0]]["target"]
        points = grid_points(entry) or [("default", {})]
        if quick:
            pick = str(entry.get("quick_value", points[len(points) // 2][0]))
            points = [p for p in points if p[0] == pick] or points[:1]
        grid, best = [], None
        for label, overrides in points:
            r = one(name, label, overrides, seeds[0])
            grid.append({"value": label, "overrides": overrides, "run": r})
            if "error" not in r and (best is None or better(r, best["run"], target)):
                best = grid[-1]
        result = {"grid": grid, "chosen": best["value"] if best else None, "seeds": {}}
        if best is not None:
            result["seeds"][str(seeds[0])] = best["run"]
            for seed in seeds[1:]:
                result["seeds"][str(seed)] = one(name, best["value"], best["overrides"], seed)
        for g in grid:  # the grid keeps its scores, not its curves
            g["run"] = {k: g["run"].get(k) for k in ("reach", "final", "error")}
        return name, result

    # Scenarios in the plan's order, `jobs` at a time; the summary is saved after each, so
    # an interrupted run still renders (bench/report render).
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for future in [pool.submit(scenario, n, e) for n, e in entries]:
            name, result = future.result()
            tuned[name] = result
            save()
    save()
    render(results)
    failed = [n for n, t in tuned.items()
              if any(g["run"].get("error") for g in t["grid"]) or t.get("chosen") is None
              or any("error" in r for r in t.get("seeds", {}).values())]
    if failed:
        sys.exit(f"report: runs failed in {', '.join(failed)} (their .err in {runs})")


# ---- the report ----

def mean_span(values):
    """'mean [min–max]' of the values that exist, or '—'."""
    vs = [v for v in values if v is not None]
    if not vs:
        return None
    return sum(vs) / len(vs), min(vs), max(vs), len(vs)


def fmt_span(values, spec="{:.3g}", n_total=None):
    ms = mean_span(values)
    if ms is None:
        return "—"
    m, lo, hi, n = ms
    s = spec.format(m)
    if n > 1:
        s += f" [{spec.format(lo)}–{spec.format(hi)}]"
    if n_total is not None and n < n_total:
        s += f" ({n}/{n_total} seeds)"
    return s


def fmt_num(v, spec):
    return "—" if v is None else spec.format(v)


def seeds_of(scen, name):
    return [r for r in scen.get(name, {}).get("seeds", {}).values() if "error" not in r]


def reach_values(runs, key, scale=1.0):
    return [r["reach"][key] * scale if r.get("reach") else None for r in runs]


def curves(runs, xkey, ykey, target, xscale=1.0):
    """Per run: xs, ys with y the accuracy or F - F*."""
    out = []
    for r in runs:
        xs, ys = [], []
        for row in r["evals"]:
            e = dict(zip(EVAL_KEYS, row))
            x = (e["bytes_up"] + e["bytes_down"]) if xkey == "bytes_total" else e[xkey]
            if target["kind"] == "accuracy":
                y = e["accuracy"]
            else:
                y = None if e["loss"] is None else max(e["loss"] - r["f_star"], 1e-16)
            if x is None or y is None or not math.isfinite(y):
                continue
            xs.append(x * xscale)
            ys.append(y)
        out.append((xs, ys))
    return out


def band(curve_list, log=False):
    """Mean and min–max over runs on a common x grid (linear interpolation; geometric
    spacing on a log axis, whose curves start at the first positive x)."""
    import numpy as np
    if log:
        curve_list = [([x for x in c[0] if x > 0], [y for x, y in zip(*c) if x > 0])
                      for c in curve_list]
    curve_list = [c for c in curve_list if len(c[0]) >= 2]
    if not curve_list:
        return None
    lo_x = max(c[0][0] for c in curve_list)
    hi_x = min(c[0][-1] for c in curve_list)
    if hi_x <= lo_x:
        xs, ys = curve_list[0]
        return np.array(xs), np.array(ys), np.array(ys), np.array(ys)
    grid = np.geomspace(lo_x, hi_x, 80) if log else np.linspace(lo_x, hi_x, 80)
    ys = np.array([np.interp(grid, c[0], c[1]) for c in curve_list])
    return grid, ys.mean(axis=0), ys.min(axis=0), ys.max(axis=0)


AXES = {"time_s": ("virtual seconds", 1.0), "updates": ("gradients / updates applied", 1.0),
        "bytes_up": ("uplink MB", 1e-6), "bytes_total": ("uplink + downlink MB", 1e-6)}
MARKERS = "osD^v<>pP*Xh"


def plot_setting(results, setting, names, scen, target, axes):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    colors = plt.get_cmap("tab20").colors
    files = []
    for xkey in axes:
        label, scale = AXES[xkey]
        fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=80)
        for i, name in enumerate(names):
            runs = seeds_of(scen, name)
            b = band(curves(runs, xkey, "y", target, scale), log=xkey.startswith("bytes"))
            if b is None:
                continue
            xs, mean, lo, hi = b
            color = colors[(2 * i) % 20]
            algo = name.split("--", 1)[1]
            ax.plot(xs, mean, color=color, marker=MARKERS[i % len(MARKERS)], markevery=8,
                    markersize=4, lw=1.3, label=f"{algo} ({len(runs)} seeds)")
            ax.fill_between(xs, lo, hi, color=color, alpha=0.2, lw=0)
        if target["kind"] == "gap":
            ax.set_yscale("log")
            ax.set_ylabel("F(x) - F*")
        else:
            ax.set_ylabel("test accuracy")
            ax.axhline(target["value"], color="grey", lw=0.8, ls="--")
        if xkey.startswith("bytes"):
            ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
        ax.set_title(f"{setting}: mean over seeds, band min–max", fontsize=9)
        fig.tight_layout()
        fname = f"{setting}-{xkey}.png"
        fig.savefig(os.path.join(results, "plots", fname))
        plt.close(fig)
        files.append(fname)
    return files


def claim_rows(plan, scen, seeds_total, quick=False):
    rows = []
    for c in plan.get("claim", []):
        ours, verdict = "—", "no data"
        a, b = seeds_of(scen, c["a"]), seeds_of(scen, c.get("b", "")) if c.get("b") else []
        kind = c["measure"]
        needed = [n for n in (c["a"], c.get("b")) if n]
        if any(n not in scen for n in needed):
            rows.append(f"| {c['paper']} | {c['claim']} | {c['paper_figure']} | not run | no data | "
                        f"{c.get('why', '') if not quick else 'not in the quick subset'} |")
            continue
        try:
            if kind == "ratio":  # b's reach[key] / a's, per seed pair
                key = c["key"]
                va, vb = reach_values(a, key), reach_values(b, key)
                ratios = [y / x for x, y in zip(va, vb) if x and y]
                if ratios:
                    ours = fmt_span(ratios, "{:.1f}", len(va)) + "x"
                    verdict = "yes" if min(ratios) >= c["at_least"] else (
                        "partly" if sum(ratios) / len(ratios) >= c["at_least"] else "no")
                elif all(va) and not any(vb):
                    # b never reaches the target: its whole run's count bounds the ratio.
                    whole = [r["last"].get(key) for r in b]
                    bounds = [y / x for x, y in zip(va, whole) if x and y]
                    ours = (">= " + fmt_span(bounds, "{:.1f}") + "x (" + c["b"].split("--")[1]
                            + " never reaches the target; its whole run counted)")
                    verdict = "yes" if bounds and min(bounds) >= c["at_least"] else "no"
                else:
                    miss = [n for n, v in ((c["a"], va), (c["b"], vb)) if not any(v)]
                    verdict = "no"
                    ours = "target not reached by " + ", ".join(miss) if miss else "—"
            elif kind == "final_ratio":  # b's final / a's final (gap: higher b = a better)
                fa = [r.get("final") for r in a]
                fb = [r.get("final") for r in b]
                ratios = [y / x for x, y in zip(fa, fb) if x and y]
                if ratios:
                    ours = fmt_span(ratios, "{:.1f}", len(fa)) + "x"
                    verdict = "yes" if min(ratios) >= c["at_least"] else (
                        "partly" if sum(ratios) / len(ratios) >= c["at_least"] else "no")
            elif kind == "final_diff":  # a's final accuracy - b's
                diffs = [x - y for x, y in zip([r["final"] for r in a], [r["final"] for r in b])]
                if diffs:
                    ours = fmt_span(diffs, "{:+.3f}", len(a))
                    verdict = "yes" if min(diffs) > 0 else ("partly" if sum(diffs) > 0 else "no")
            elif kind == "reach":  # a reaches the target; fairness: nobody starved
                hits = [r.get("reach") is not None for r in a]
                starved = [r.get("never_applied", 0) for r in a]
                ours = (f"{sum(hits)}/{len(hits)} seeds reach; never applied: "
                        + fmt_span(starved, "{:.0f}"))
                verdict = "yes" if hits and all(hits) and max(starved) == 0 else "no"
            elif kind == "stable_where_diverges":  # a stays finite at the gamma b diverges at
                # Diverged: no finite final F - F*, or one above the starting point's.
                start = dict(zip(EVAL_KEYS, b[0]["evals"][0]))["loss"] - b[0]["f_star"]

                def diverged(run):
                    return run.get("final") is None or run["final"] > start

                grid_b = scen.get(c["b"], {}).get("grid", [])
                div = [g["value"] for g in grid_b if diverged(g["run"])]
                grid_a = {g["value"]: g["run"] for g in scen.get(c["a"], {}).get("grid", [])}
                both = [v for v in div if v in grid_a]
                stable = [v for v in both if not diverged(grid_a[v])]
                ours = (f"constant diverges at gamma {', '.join(div) or 'none'}; "
                        f"{c['a'].split('--')[1]} stable at {', '.join(stable) or 'none'} of these")
                verdict = "yes" if stable else "no"
        except (KeyError, TypeError, ZeroDivisionError) as e:
            ours, verdict = f"— ({e})", "no data"
        rows.append(f"| {c['paper']} | {c['claim']} | {c['paper_figure']} | {ours} | {verdict} | "
                    f"{c.get('why', '')} |")
    return rows


def render(results):
    plan = load_plan()
    with open(os.path.join(results, "summary.json")) as f:
        summary = json.load(f)
    scen = summary["scenarios"]
    nseeds = len(summary["seeds"])
    os.makedirs(os.path.join(results, "plots"), exist_ok=True)
    md = ["# fedgate reproduction report\n"]
    mode = "quick smoke subset (one seed, short horizons, no grid)" if summary["quick"] else \
        f"{nseeds} seeds per headline row, stepsizes tuned on a recorded grid"
    md.append(
        f"Generated by `bench/report{' --quick' if summary['quick'] else ''}` from "
        "`bench/scenarios/` and `bench/plan.toml` with `fedgate-sim` (the real coordinator and "
        "client sessions in virtual time, docs/simulator.md): " + mode + ". The runs took "
        f"{summary['runs_seconds']} s of wall time, {summary['jobs']} at a time, on a 2-core "
        "machine shared with other work. Every figure below comes from these runs.\n")
    md.append("Tables give mean [min–max] over the seeds; a '(k/n seeds)' note means only k of n "
              "seeds reached the target (the mean is over those). Bytes count every message "
              "(uplink: Hello, Offer, Update, Skip; downlink: Config, decisions, model chunks). "
              "'Gradients' are the contributions applied (`updates`: a summed or local update "
              "counts once). Fairness: clients never applied and min/max applied per client.\n")
    if plan.get("note") and not summary["quick"]:
        md.append(plan["note"] + "\n")
    md.append("## Claims\n")
    md.append("| paper | claim | paper's figure | ours (mean [min–max]) | reproduced? | why it differs |")
    md.append("|---|---|---|---|---|---|")
    md += claim_rows(plan, scen, nseeds, summary["quick"])
    md.append("")
    for setting, sdef in plan["setting"].items():
        names = [n for n in plan["scenario"] if n.split("--")[0] == setting and n in scen]
        if not names:
            continue
        target = sdef["target"]
        tname = (f"test accuracy {target['value']}" if target["kind"] == "accuracy"
                 else f"F - F* <= {target['value']:g}")
        md.append(f"\n## {setting}\n\n{sdef['about']} Target: {tname}.\n")
        md.append("| method | tuned value (grid) | final | virtual s to target | gradients to target "
                  "| uplink MB to target | total MB to target | never applied | applied per client min/max | mean staleness |")
        md.append("|---|---|---|---|---|---|---|---|---|---|")
        for name in names:
            s = scen[name]
            runs = seeds_of(scen, name)
            grid = ", ".join(
                f"{g['value']}" + ("" if "error" not in g["run"] or not g["run"]["error"] else " (failed)")
                for g in s["grid"])
            algo = name.split("--", 1)[1]
            if not runs:
                md.append(f"| {algo} | {grid} | not run | | | | | | | |")
                continue
            fin = [r.get("final") for r in runs]
            final = fmt_span(fin, "{:.4f}" if target["kind"] == "accuracy" else "{:.3e}")
            md.append(
                f"| {algo} | **{s['chosen']}** ({grid}) | {final} | "
                f"{fmt_span(reach_values(runs, 'time_s'), '{:.1f}', len(runs))} | "
                f"{fmt_span(reach_values(runs, 'updates'), '{:.0f}', len(runs))} | "
                f"{fmt_span(reach_values(runs, 'bytes_up', 1e-6), '{:.3g}', len(runs))} | "
                f"{fmt_span(reach_values(runs, 'bytes_total', 1e-6), '{:.3g}', len(runs))} | "
                f"{fmt_span([r.get('never_applied') for r in runs], '{:.0f}')} | "
                f"{fmt_span([r.get('applied_min') for r in runs], '{:.0f}')} / "
                f"{fmt_span([r.get('applied_max') for r in runs], '{:.0f}')} | "
                f"{fmt_span([r.get('stale_mean') for r in runs], '{:.1f}')} |")
        md.append("\nGrid (seed 1; the rule: first to the target, else best final):\n")
        md.append("| method | " + " | ".join(["value: virtual s to target / final"]) + " |")
        md.append("|---|---|")
        for name in names:
            cells = []
            for g in scen[name]["grid"]:
                r = g["run"]
                if r.get("error"):
                    cells.append(f"{g['value']}: failed")
                    continue
                t = r["reach"]["time_s"] if r.get("reach") else None
                fv = r.get("final")
                fs = "diverged" if fv is None else (f"{fv:.4f}" if target["kind"] == "accuracy" else f"{fv:.2e}")
                cells.append(f"{g['value']}: {fmt_num(t, '{:.1f}')} / {fs}")
            md.append(f"| {name.split('--', 1)[1]} | {'; '.join(cells)} |")
        axes = sdef.get("axes", ["time_s", "updates", "bytes_up", "bytes_total"])
        for fname in plot_setting(results, setting, names, scen, target, axes):
            md.append(f"\n![{fname}](plots/{fname})")
        if sdef.get("note"):
            md.append(f"\n{sdef['note']}\n")
    with open(os.path.join(results, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"report: {os.path.join(results, 'report.md')}", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--quick", action="store_true")
    r.add_argument("--jobs", type=int, default=int(os.environ.get("FEDGATE_REPORT_JOBS", "2")))
    r.add_argument("--sim")
    r.add_argument("--only")
    d = sub.add_parser("render")
    d.add_argument("results", nargs="?", default=os.path.join(HERE, "results"))
    a = p.parse_args()
    if a.cmd == "run":
        run_plan(a)
    else:
        render(a.results)


if __name__ == "__main__":
    main()
