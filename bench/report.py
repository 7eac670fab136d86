#!/usr/bin/env python3
"""Turns the metrics of bench/report's fedgate-sim runs into bench/results/report.md and
gnuplot PNGs, in two steps. Standard library only (Debian's python3).
  report.py SCEN_DIR RESULTS RUNS_SECONDS   reads a fresh run's RESULTS/runs/ (not committed),
                                            keeps what the report needs in RESULTS/summary.json,
                                            then writes the report
  report.py --from-summary RESULTS          rewrites report.md and the plots from
                                            RESULTS/summary.json alone"""
import json, os, shutil, subprocess, sys, tempfile, tomllib
from collections import defaultdict

FAMILIES = ["acceptance", "stepsize", "staleness", "aggregation", "trigger", "compression"]
DEFAULTS = {"staleness": "identity", "aggregation": "apply-on-arrival",
            "trigger": "offer-first", "compression": "dense"}
SETTINGS = {
    "fmnist-iid-10": "Fashion-MNIST softmax, 10 clients, IID, h_i = sqrt(i) x 50 ms, 20 virtual s",
    "fmnist-dir-10": "Fashion-MNIST softmax, 10 clients, Dirichlet(0.3), h_i = sqrt(i) x 50 ms, 20 virtual s",
    "fmnist-iid-100": "Fashion-MNIST softmax, 100 clients, IID, h_i = sqrt(i) x 50 ms, 6 virtual s",
    "fmnist-dir-100": "Fashion-MNIST softmax, 100 clients, Dirichlet(0.3), h_i = sqrt(i) x 50 ms, 6 virtual s",
    "quad-40": "Mishchenko least squares (A 10000x400), 40 workers, batch 256, Exp(10 ms) per gradient",
    "quad-40-straggler": "Mishchenko least squares, 40 workers, batch 256, 10 ms, one 100x straggler",
}
ACC_TARGET, GAP_TARGET = 0.65, 0.02
# The per-evaluation fields the tables and curves use (the metrics carry many more).
EVAL_FIELDS = ["time_s", "version", "accuracy", "loss", "bytes_up", "messages_up"]
SUMMARY_FIELDS = ["version", "time_s", "accuracy", "loss", "bytes_up", "offers", "accepts",
                  "skips", "updates", "staleness"]

# ---- step 1: raw runs -> summary.json ----

def reason_not_run(runs, known, name, cfg):
    for fam in FAMILIES:
        pol = cfg.get(fam, {}).get("policy")
        if pol is None or pol == DEFAULTS.get(fam): continue
        if fam in known and pol in known[fam]: continue
        return f"not run: unknown policy {pol} ({fam})"
    if "starvation_limit" in cfg.get("acceptance", {}):
        return "not run: unknown setting acceptance.starvation_limit (starvation guard)"
    err = os.path.join(runs, name + ".err")
    last = open(err).read().strip().splitlines()[-1:] if os.path.exists(err) else ["?"]
    return "not run: " + (last[0] if last else "?")

def summarize_run(path):
    """One run's metrics reduced to what the report reads; evaluations as columns."""
    evals = {k: [] for k in EVAL_FIELDS}
    out = {"evals": evals, "summary": None, "f_star": 0, "wall_s": None}
    with open(path) as f:
        for line in f:
            o = json.loads(line)
            ev = o["event"]
            if ev == "eval":
                for k in EVAL_FIELDS: evals[k].append(o[k])
            elif ev == "summary":
                s = {k: o[k] for k in SUMMARY_FIELDS}
                ids = sorted(o["clients"])
                s["client_updates"] = [o["clients"][c]["updates"] for c in ids]
                s["client_offers"] = [o["clients"][c]["offers"] for c in ids]
                out["summary"] = s
            elif ev == "sim": out["f_star"] = o.get("f_star", 0)
            elif ev == "sim-wall": out["wall_s"] = o["wall_s"]
    return out

def summarize(scen_dir, results, runs_seconds):
    runs = os.path.join(results, "runs")
    known = defaultdict(set)
    with open(os.path.join(runs, "policies.txt")) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2: known[parts[0]].add(parts[1])
    scenarios = []
    for fn in sorted(os.listdir(scen_dir)):
        if not fn.endswith(".toml"): continue
        name = fn[:-5]
        with open(os.path.join(scen_dir, fn), "rb") as f: cfg = tomllib.load(f)
        status_path = os.path.join(runs, name + ".status")
        st = open(status_path).read().strip() if os.path.exists(status_path) else "missing"
        entry = {"name": name}
        if st == "ok" and os.path.exists(os.path.join(runs, name + ".jsonl")):
            entry["data"] = summarize_run(os.path.join(runs, name + ".jsonl"))
        else:
            entry["reason"] = (reason_not_run(runs, known, name, cfg) if st != "missing"
                               else "not run (no result)")
        scenarios.append(entry)
    summary = {"runs_seconds": runs_seconds, "scenarios": scenarios}
    with open(os.path.join(results, "summary.json"), "w") as f:
        json.dump(summary, f, separators=(",", ":"))
        f.write("\n")

# ---- step 2: summary.json -> report.md and plots ----

def load_summary(results):
    """The summary in the shape the report reads: scen[setting][algo] = entry."""
    with open(os.path.join(results, "summary.json")) as f: summary = json.load(f)
    scen = defaultdict(dict)
    for entry in summary["scenarios"]:
        setting, algo = entry["name"].split("--", 1)
        entry["algo"] = algo
        if "data" in entry:
            cols = entry["data"]["evals"]
            entry["data"]["evals"] = [dict(zip(EVAL_FIELDS, row))
                                      for row in zip(*(cols[k] for k in EVAL_FIELDS))]
        scen[setting][algo] = entry
    return summary["runs_seconds"], scen

if len(sys.argv) == 3 and sys.argv[1] == "--from-summary":
    results = sys.argv[2]
elif len(sys.argv) == 4:
    results = sys.argv[2]
    summarize(sys.argv[1], results, int(sys.argv[3]))
else:
    sys.exit(__doc__)
runs_seconds, scen = load_summary(results)
plots = os.path.join(results, "plots")
os.makedirs(plots, exist_ok=True)
# gnuplot reads its curves from files: they live only while the report is written.
work = tempfile.mkdtemp(prefix="fedgate-report-")

def is_quad(setting): return setting.startswith("quad")

def gap(e, ev):
    if ev["loss"] is None: return float("inf")  # a diverged loss is written as null
    return max(ev["loss"] - e["data"]["f_star"], 1e-12)

def first(e, pred, key):
    for ev in e["data"]["evals"]:
        if pred(ev): return ev[key]
    return None

def stats(e):
    d = e["data"]; s = d["summary"]; evals = d["evals"]
    stale = {int(k): v for k, v in s["staleness"].items()}
    n = sum(stale.values())
    mean = sum(k * v for k, v in stale.items()) / n if n else 0
    r = {"versions": s["version"], "final": s["accuracy"], "best": max(v["accuracy"] for v in evals),
         "up_mb": s["bytes_up"] / 1e6, "offers": s["offers"], "accepts": s["accepts"],
         "skips": s["skips"], "updates": s["updates"], "stale_mean": mean,
         "stale_max": max(stale) if stale else 0, "virtual": s["time_s"],
         "wall": d["wall_s"] or 0, "loss": s["loss"]}
    if is_quad(e["name"]):
        r["gap"] = gap(e, s)
        r["t_target"] = first(e, lambda ev: gap(e, ev) <= GAP_TARGET, "time_s")
        r["v_target"] = first(e, lambda ev: gap(e, ev) <= GAP_TARGET, "version")
        r["mb_target"] = None
    else:
        r["t_target"] = first(e, lambda ev: ev["accuracy"] >= ACC_TARGET, "time_s")
        b = first(e, lambda ev: ev["accuracy"] >= ACC_TARGET, "bytes_up")
        r["mb_target"] = b / 1e6 if b is not None else None
        r["v_target"] = first(e, lambda ev: ev["accuracy"] >= ACC_TARGET, "version")
        m = first(e, lambda ev: ev["accuracy"] >= ACC_TARGET, "messages_up")
        r["msgs_target"] = m
    return r

def fmt(v, spec="{:.3f}"):
    return "—" if v is None else spec.format(v)

def gnuplot(script):
    subprocess.run(["gnuplot"], input=script, text=True, check=True)

def png(fname, title, settings, plot, size="900,500"):
    """Plots into plots/fname; returns its path relative to the report."""
    out = os.path.join(plots, fname)
    gnuplot(f"set terminal pngcairo size {size} noenhanced\nset output '{out}'\n"
            f"set title '{title}'\n{settings}\nplot {plot}\n")
    return os.path.relpath(out, results)

def plot_lines(setting, entries, fname, title, xlabel, ylabel, xcol, ycol, logy=False, logx=False):
    if not entries: return None
    items = ", ".join(f"'{os.path.join(work, e['name'] + '.csv')}' using {xcol}:{ycol} with linespoints pt 7 ps 0.4 title '{e['algo']}'"
                      for e in entries)
    return png(fname, title, f"""set xlabel '{xlabel}'
set ylabel '{ylabel}'
set key outside right
set grid
set datafile separator ','
{'set logscale y' if logy else ''}
{'set logscale x' if logx else ''}""", items)

md = []
md.append("# fedgate reproduction report\n")
md.append("Generated by `bench/report` from the scenario files in `bench/scenarios/` (one file per "
          "algorithm and setting) with `fedgate-sim`: the real coordinator and client sessions in "
          "virtual time (docs/simulator.md). Every number below is from this run; "
          f"the whole report took {runs_seconds} s of wall time on this 2-core machine "
          "(two scenarios at a time).\n")
md.append(f"Targets: test accuracy {ACC_TARGET} (Fashion-MNIST), F(x) - F* <= {GAP_TARGET} (quadratic). "
          "Uplink bytes count every client-to-coordinator message (Hello, Offer, Update, Skip).\n")
all_stats = {}
for setting in sorted(scen, key=lambda s: list(SETTINGS).index(s) if s in SETTINGS else 99):
    entries = scen[setting]
    md.append(f"\n## {setting}: {SETTINGS.get(setting, setting)}\n")
    ran = [e for e in entries.values() if "data" in e]
    for e in ran:
        with open(os.path.join(work, e["name"] + ".csv"), "w") as f:
            f.write("time_s,version,accuracy,loss,uplink_mb,gap,messages_up\n")
            for ev in e["data"]["evals"]:
                g = gap(e, ev) if is_quad(setting) else 0
                f.write(f"{ev['time_s']},{ev['version']},{ev['accuracy']},{ev['loss']},"
                        f"{ev['bytes_up']/1e6},{g},{ev['messages_up']}\n")
    if is_quad(setting):
        md.append("| algorithm | gradients applied | F - F* at end | virtual s to target | versions to target | mean / max staleness | wall s |\n|---|---|---|---|---|---|---|")
    else:
        md.append("| algorithm | versions | final acc | best acc | virtual s to target | uplink MB to target | uplink MB total | offers | accepted | mean / max staleness | wall s |\n|---|---|---|---|---|---|---|---|---|---|---|")
    for algo, e in sorted(entries.items()):
        if "data" not in e:
            md.append(f"| {algo} | {e['reason']} |" + " |" * (5 if is_quad(setting) else 9))
            continue
        r = stats(e); all_stats[e["name"]] = r
        if is_quad(setting):
            md.append(f"| {algo} | {r['updates']} | {r['gap']:.3e} | {fmt(r['t_target'], '{:.2f}')} | {fmt(r['v_target'], '{}')} | {r['stale_mean']:.1f} / {r['stale_max']} | {r['wall']:.1f} |")
        else:
            acc_pct = 100.0 * r['accepts'] / r['offers'] if r['offers'] else 0
            md.append(f"| {algo} | {r['versions']} | {r['final']:.4f} | {r['best']:.4f} | {fmt(r['t_target'], '{:.2f}')} | {fmt(r['mb_target'], '{:.1f}')} | {r['up_mb']:.1f} | {r['offers']} | {acc_pct:.1f} % | {r['stale_mean']:.1f} / {r['stale_max']} | {r['wall']:.1f} |")
    md.append("")
    if not ran: continue
    imgs = []
    if is_quad(setting):
        imgs.append(plot_lines(setting, ran, f"{setting}-gap-vs-gradients.png", f"{setting}: F - F* vs gradients applied", "gradients applied (versions)", "F(x) - F*", 2, 6, logy=True))
        imgs.append(plot_lines(setting, ran, f"{setting}-gap-vs-time.png", f"{setting}: F - F* vs virtual time", "virtual seconds", "F(x) - F*", 1, 6, logy=True))
    else:
        imgs.append(plot_lines(setting, ran, f"{setting}-acc-vs-time.png", f"{setting}: test accuracy vs virtual time", "virtual seconds", "test accuracy", 1, 3))
        imgs.append(plot_lines(setting, ran, f"{setting}-acc-vs-uplink.png", f"{setting}: test accuracy vs uplink MB", "uplink MB", "test accuracy", 5, 3))
    # Staleness histograms and per-client contributions.
    stale_items, client_items, rate_rows = [], [], []
    for e in ran:
        s = e["data"]["summary"]
        path = os.path.join(work, e["name"] + ".staleness.dat")
        with open(path, "w") as f:
            for k, v in sorted(((int(k), v) for k, v in s["staleness"].items())):
                f.write(f"{k} {v / max(1, s['updates'])}\n")
        stale_items.append(f"'{path}' using 1:2 with linespoints pt 7 ps 0.4 title '{e['algo']}'")
        path = os.path.join(work, e["name"] + ".clients.dat")
        with open(path, "w") as f:
            for i, (updates, offers) in enumerate(zip(s["client_updates"], s["client_offers"])):
                f.write(f"{i} {updates} {offers}\n")
        client_items.append(f"'{path}' using 1:2 with points pt 7 ps 0.5 title '{e['algo']}'")
        off = max(1, s["offers"]); rate_rows.append((e["algo"], 100 * s["accepts"] / off, 100 * s["skips"] / max(1, s["offers"] + s["skips"])))
    imgs.append(png(f"{setting}-staleness.png", f"{setting}: staleness of applied updates",
                    "set xlabel 'staleness tau (versions)'\nset ylabel 'share of applied updates'\n"
                    "set logscale y\nset key outside right\nset grid", ", ".join(stale_items)))
    imgs.append(png(f"{setting}-contributions.png",
                    f"{setting}: applied updates per client (client index = slower to the right)",
                    "set xlabel 'client index (h_i grows with i)'\nset ylabel 'applied updates'\n"
                    "set key outside right\nset grid", ", ".join(client_items)))
    path = os.path.join(work, f"{setting}.rates.dat")
    with open(path, "w") as f:
        for algo, acc, skip in rate_rows: f.write(f"{algo} {acc:.2f} {skip:.2f}\n")
    imgs.append(png(f"{setting}-rates.png", f"{setting}: accepted offers and skips", """set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel 'percent'
set yrange [0:105]
set xtics rotate by -30
set key outside right
set grid ytics""", f"'{path}' using 2:xtic(1) title 'accepted % of offers', '' using 3 title 'skips % of messages'",
                    size="900,450"))
    md.extend(f"![{os.path.basename(i)}]({i})" for i in imgs if i)
    md.append("")

def get(name): return all_stats.get(name)
md.append("\n## Side by side with the papers (docs/algorithms.md)\n")
md.append("| claim | paper | ours | why they differ |\n|---|---|---|---|")
a, d = get("fmnist-iid-10--aet-sgd"), get("fmnist-iid-10--detsgrad")
def msgs_to(name, acc):
    return first(scen["fmnist-iid-10"][name.split("--")[1]], lambda ev: ev["accuracy"] >= acc, "messages_up")
if a and d:
    # Neither may reach the report's target in this short run: compare at the
    # best accuracy both reached.
    common = min(a["best"], d["best"], ACC_TARGET)
    ma, md_ = msgs_to("fmnist-iid-10--aet-sgd", common), msgs_to("fmnist-iid-10--detsgrad", common)
    ours = (f"to accuracy {common:.3f}: DETSGRAD {md_} uplink messages, AET-SGD {ma}" +
            (f" ({md_ / ma:.1f}x fewer)" if ma and md_ else ""))
else:
    ours = "; ".join(scen["fmnist-iid-10"].get(k, {}).get("reason", "not run") for k in ["aet-sgd", "detsgrad"])
md.append("| AET-SGD vs DETSGRAD, messages to target | 44-120x fewer (5 nodes, LeNet) | " + ours +
          " | 20 virtual seconds of a convex model: AET-SGD's growing local-step schedule (s_r = 10 r) "
          "has run only a few rounds; the paper's ratios come from long non-convex runs |")
s_, g_ = get("fmnist-iid-10--sasg"), get("fmnist-iid-10--asgd")
md.append("| SASG vs dense SGD, uplink bits to target | ~134x (MNIST-FC, 407k params) | " +
          (f"{g_['mb_target']/s_['mb_target']:.1f}x" if s_ and g_ and s_['mb_target'] and g_['mb_target'] else
           scen['fmnist-iid-10'].get('sasg', {}).get('reason', 'not run')) +
          " | top-k at h = 0.01 on a 7,850-parameter model sends 78 values per tensor; the paper's 134x also counts skipped rounds of a 52x larger model |")
q = {k: get(f"quad-40--{k}") for k in ["asgd", "mishchenko", "koloskova", "minibatch"]}
ours = ", ".join(f"{k} {v['gap']:.2e}" for k, v in q.items() if v)
mb_reason = scen["quad-40"].get("minibatch", {}).get("reason")
md.append(f"| ASGD and delay-adaptive ASGD beat minibatch SGD in F - F* per gradient (quadratic, M = 40) | claim only, no number published | F - F* after 32,000 versions (an ASGD version is one gradient, a minibatch version 40): {ours}" +
          (f"; minibatch {mb_reason}" if mb_reason else "") + " | minibatch SGD averages 40 gradients per version, so at equal versions it has used 40x the gradients; the stepsize (0.03) is untuned and every run is still on the slow part of its descent; our F includes a bias parameter, the notebook's does not |")
asg, res = get("fmnist-dir-100--asgd"), get("fmnist-dir-100--rescaled")
def bias(name):
    c = scen["fmnist-dir-100"][name.split("--")[1]]["data"]["summary"]["client_updates"]
    return c[0] / max(1, c[-1])
md.append("| vanilla ASGD is biased toward fast clients on non-IID data; Rescaled ASGD removes it | proof, no number | " +
          (f"vanilla: fastest/slowest client applied {bias('fmnist-dir-100--asgd'):.1f}x as many updates, accuracy {asg['final']:.3f}" if asg else "not run") +
          ("; rescaled: accuracy " + f"{res['final']:.3f}" if res else "; rescaled " + scen['fmnist-dir-100'].get('rescaled', {}).get('reason', 'not run')) +
          " | with h_i = sqrt(i) the fastest of 100 clients is 10x faster, so vanilla ASGD weights its data 10x more (h_100/h_1) |")
for setting in ["fmnist-iid-100", "fmnist-dir-100"]:
    v, ex, si = get(f"{setting}--asgd"), get(f"{setting}--norm-exact"), get(f"{setting}--norm-simplified")
    if v and ex and si:
        md.append(f"| norm-gated (exact, simplified) vs vanilla ASGD under heavy staleness ({setting}) | no numbers recoverable (abstract only) | "
                  f"uplink MB {ex['up_mb']:.0f} / {si['up_mb']:.0f} / {v['up_mb']:.0f}; accuracy {ex['final']:.3f} / {si['final']:.3f} / {v['final']:.3f}; "
                  f"mean staleness {ex['stale_mean']:.1f} / {si['stale_mean']:.1f} / {v['stale_mean']:.1f} | lambda = 30 (lambda x gamma = 0.09, the low end of the suggested grid); a rejected offer costs ~56 B instead of 31 KB |")
md.append("\n## Runs that did not run\n")
not_run = [f"- `{e['name']}`: {e['reason']}" for _, entries in sorted(scen.items())
           for _, e in sorted(entries.items()) if "reason" in e]
md.extend(not_run or ["None: every scenario ran."])
with open(os.path.join(results, "report.md"), "w") as f:
    f.write("\n".join(md) + "\n")
shutil.rmtree(work)
