"""The results: JSON (everything), a Markdown table (figures against goals, with ratios), and
a PNG chart."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The performance goals (docs/performance.md), each against a baseline measured in the same run where it
# has one.
RUSH_P95_GOAL_MS = 10
SHARE_GOAL = 0.06
EVENTS_RATIO_GOAL = 0.8
CHAIN_RATIO_GOAL = 0.9  # the audit chain costs the booking path at most 10 %
SNAPSHOT_P95_GOAL_MS = 2
EXPIRY_GOAL = 5000


@dataclass
class Row:
    scenario: str
    figure: str
    value: float | int | None
    unit: str
    goal: str = ""
    met: bool | None = None
    note: str = ""


def _fmt(value: float | int | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float) and not value.is_integer():
        text = f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    else:
        text = f"{int(value):,}"
    return f"{text} {unit}".strip()


def _at_least(value: float | int | None, goal: float) -> bool | None:
    return None if value is None else value >= goal


def _at_most(value: float | int | None, goal: float) -> bool | None:
    return None if value is None else value <= goal


def rows(results: dict[str, Any]) -> list[Row]:
    """The table: one row per figure, with its goal where it has one."""
    out: list[Row] = []
    s = results["scenarios"]
    if pr := s.get("profile"):
        top = ", ".join(f"{f['function']} {f['calls_per_booking']:g}" for f in pr["top_functions"][:6])
        out += [
            Row("profile", "nested SQL statements per booking", pr["statements_per_booking"], "", "", None,
                f"one client, {pr['bookings']} bookings, {pr['ms_per_booking']} ms each"),
            Row("profile", "statements planned per booking", pr.get("plans_per_booking"), "", "0",
                None if pr.get("plans_per_booking") is None else pr["plans_per_booking"] == 0,
                "plans the plan cache could not reuse (custom plans, invalidations)"),
            Row("profile", "function calls per booking", pr["function_calls_per_booking"], "", "", None,
                f"most called: {top}"),
            Row("profile", "subtransactions per booking", pr["subtransactions_per_booking"], "", "0",
                pr["subtransactions_per_booking"] == 0),
            Row("profile", "WAL bytes per booking", pr["wal_bytes_per_booking"], "B", "", None),
        ]
    if rush := s.get("rush"):
        variants = {v["variant"]: v for v in rush["variants"]}
        ours = variants["ours"]
        seed = variants.get("seed_advisory")
        out += [
            Row("rush", "ours: attempts/s", ours["attempts_per_s"], "/s",
                f">= seed_advisory ({seed['attempts_per_s']:,.0f} /s)" if seed else "",
                _at_least(ours["attempts_per_s"], seed["attempts_per_s"]) if seed else None,
                f"{ours['clients']} clients, pool of {ours['pool_size']}, {ours['rounds']} round(s)"),
            Row("rush", "ours: p50 / p95 / p99 in the database", ours["db_latency_ms"]["p95"], "ms",
                f"p95 <= {RUSH_P95_GOAL_MS} ms", _at_most(ours["db_latency_ms"]["p95"], RUSH_P95_GOAL_MS),
                "p50 {p50} / p95 {p95} / p99 {p99} ms".format(**ours["db_latency_ms"])),
            Row("rush", "ours: p95 incl. wait for a pooled connection", ours["latency_ms"]["p95"], "ms", "", None,
                "p50 {p50} / p99 {p99} ms".format(**ours["latency_ms"])),
            Row("rush", "ours: deadlocks + serialization failures",
                ours["deadlocks"] + ours["serialization_failures"], "", "0",
                ours["deadlocks"] + ours["serialization_failures"] == 0),
            Row("rush", "ours: winners per round", ours["winners_per_round"], "", f"= {ours['tables']} tables",
                ours["winners_per_round"] == ours["tables"]),
            Row("rush", "ours: double bookings (independent check)", ours["double_bookings"], "", "0",
                ours["double_bookings"] == 0),
        ]
        for name in ("ours_no_alternatives", "naive", "seed_advisory", "serializable"):
            if v := variants.get(name):
                out.append(Row("rush", f"{name}: attempts/s (x ours)", v["attempts_per_s"], "/s", "", None,
                               f"x{v['attempts_per_s_vs_ours']}; p95 {v['db_latency_ms']['p95']} ms; "
                               f"winners/round {v['winners_per_round']}; doubles {v['double_bookings']}; "
                               f"serialization failures {v['serialization_failures']}; "
                               f"lock busy {v['outcomes'].get('lock_busy', 0)}"))
        if peak := rush["footprint"].get("peak"):
            before = rush["footprint"]["before"]
            out += [Row("memory", "server memory (PSS) peak during the rush", peak["memory_mb"], "MB", "", None,
                        f"{before['memory_mb']} MB before"),
                    Row("connections", "client connections peak during the rush", peak["connections"], "", "", None,
                        f"{peak['active']} active at most; {before['connections']} before")]
    if tp := s.get("throughput"):
        out += [
            Row("throughput", f"bookings/s at {tp['clients']} clients", tp["bookings_per_s"], "/s", "", None,
                "p95 {p95} ms; after {n:,} warm-up bookings and ANALYZE".format(
                    n=tp["warm_up_bookings"], **tp["events_on"]["latency_ms"])),
            Row("throughput", "bookings/s cold (plans made on empty tables)", tp["cold"]["tps"], "/s", "", None,
                f"{tp['cold_share_of_limit'] * 100:.1f} % of the limit; diagnostic, no goal"),
            Row("throughput", "physical limit (single-row insert tps)", tp["limit"]["tps"], "/s", "", None,
                "same server, durability and clients"),
            Row("throughput", "share of the limit", round(tp["share_of_limit"] * 100, 1), "%",
                f">= {SHARE_GOAL * 100:.0f} %", _at_least(tp["share_of_limit"], SHARE_GOAL)),
            Row("throughput", "events on / off", tp["events_on_vs_off"], "x", f">= {EVENTS_RATIO_GOAL}",
                _at_least(tp["events_on_vs_off"], EVENTS_RATIO_GOAL),
                f"events off: {tp['events_off']['tps']:,.0f} bookings/s"),
            *([Row("throughput", "audit chain on / off", ch["chain_on_vs_off"], "x", f">= {CHAIN_RATIO_GOAL}",
                   _at_least(ch["chain_on_vs_off"], CHAIN_RATIO_GOAL),
                   f"on {ch['chain_on_tps']:,.0f} / off {ch['chain_off_tps']:,.0f} bookings/s, "
                   f"median of {ch['pairs']} pairs of {ch['seconds_per_run']:g} s runs, in alternating order")]
              if (ch := tp.get("audit_chain")) else []),
            *_ladder_rows(tp),
            Row("throughput", "double bookings (independent check)",
                _throughput_doubles(tp), "", "0", _throughput_doubles(tp) == 0),
        ]
    if sc := s.get("scale"):
        for level in sc["levels"]:
            out.append(Row("scale", f"snapshot p95, {level['history_bookings']:,} bookings, 4 readers",
                           level["snapshot"]["latency_ms"]["p95"], "ms", f"<= {SNAPSHOT_P95_GOAL_MS} ms",
                           _at_most(level["snapshot"]["latency_ms"]["p95"], SNAPSHOT_P95_GOAL_MS),
                           "hold p95 {} ms".format(level["hold"]["latency_ms"]["p95"])))
        if floor := sc.get("snapshot_floor"):
            out.append(Row("scale", "snapshot's floor p95 (a one-row read instead), 4 readers",
                           floor["latency_ms"]["p95"], "ms", "", None,
                           "p50 {p50} ms; {tps:,.0f} transactions/s".format(tps=floor["tps"], **floor["latency_ms"])))
        out.append(Row("scale", "p95 growth, smallest to largest level", sc["snapshot_p95_growth"], "x", "flat (~1x)",
                       None, f"hold: x{sc['hold_p95_growth']}"))
    if rt := s.get("realtime"):
        for phase in ("idle", "under_load"):
            lat = rt[phase]["latency_ms"]
            load = rt[phase].get("load")
            out.append(Row("realtime", f"commit-to-listener p95, {phase.replace('_', ' ')}", lat["p95"], "ms",
                           "", None, "p50 {p50} / p99 {p99} ms, missed {m}".format(m=rt[phase]["missed"], **lat)
                           + (f"; load {load['tps']} bookings/s" if load else "")))
    if ex := s.get("expiry"):
        out += [
            Row("expiry", f"sweep of {ex['holds']:,} expired holds", ex["sweep"]["holds_per_s"], "holds/s",
                f">= {EXPIRY_GOAL:,} holds/s", _at_least(ex["sweep"]["holds_per_s"], EXPIRY_GOAL),
                f"{ex['sweep']['seconds']} s in {ex['sweep']['calls']} calls"),
            Row("expiry", "booking p95 during the sweep (x without)",
                ex["booking_latency_during_sweep_ms"]["p95"], "ms", "", None,
                f"x{ex['p95_during_vs_without']}; without: {ex['booking_latency_without_sweep_ms']['p95']} ms"),
        ]
        rungs = ex.get("guarantee_ladder", [])
        for k, rung in enumerate(rungs):
            gone = rung["without"]
            figure = _rung_name("ladder (sweep alone)", gone)
            note = f"x{rung['holds_per_s'] / rungs[0]['holds_per_s']:.2f} the full sweep" + (
                "" if k == 0 else f"; x{rung['holds_per_s'] / rungs[k - 1]['holds_per_s']:.2f} over the rung above")
            out.append(Row("expiry", figure, rung["holds_per_s"], "holds/s", f">= {EXPIRY_GOAL:,} holds/s",
                           _at_least(rung["holds_per_s"], EXPIRY_GOAL), note))
    return out


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Run {results['started']} ({results['mode']}, {results['seconds']:.0f} s) on {m['cpus']} x {m['cpu']}, "
        f"{m['memory_gb']} GB; {results['server']}; load average at start {m['load_average_at_start']}.",
        "",
        "| scenario | figure | value | goal | met | notes |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows(results):
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        lines.append(f"| {r.scenario} | {r.figure} | {_fmt(r.value, r.unit)} | {r.goal} | {met} | {r.note} |")
    return "\n".join(lines) + "\n"


def _correct(variant: dict[str, Any]) -> bool:
    """A rush variant kept the invariant: no double booking, every table won once."""
    return bool(variant["double_bookings"] == 0 and variant["winners_per_round"] == variant["tables"])


def _rung_name(ladder: str, gone: list[str]) -> str:
    """A rung of a guarantee ladder by what it switched off: the last guarantee and how many before."""
    if not gone:
        return f"{ladder}: every guarantee"
    return f"{ladder}: without {gone[-1]}" + (f" (and the {len(gone) - 1} above)" if len(gone) > 1 else "")


def _ladder_rows(tp: dict[str, Any]) -> list[Row]:
    """The guarantee ladders, ours and the lean probe's: bookings/s and share of the limit with each
    guarantee (or part) switched off in turn (cumulative), against our full path; the share goal
    marks the rungs that would meet it."""
    rows = []
    ladder = tp.get("guarantee_ladder", {})
    for key, name in (("rungs", "ladder"), ("lean_rungs", "lean probe")):
        for rung in ladder.get(key, []):
            figure = _rung_name(name, rung["without"])
            gain = "" if rung["gain_over_previous"] is None else f"; x{rung['gain_over_previous']} over the rung above"
            share = rung["share_of_limit"]
            rows.append(Row("throughput", figure, rung["tps"], "/s", f"share >= {SHARE_GOAL * 100:.0f} %",
                            _at_least(share, SHARE_GOAL),
                            f"{share * 100:.2f} % of the limit; x{rung['x_full']} our full path{gain}"))
    return rows


def _throughput_doubles(tp: dict[str, Any]) -> int:
    return (sum(int(tp[run]["double_bookings"]) for run in ("events_on", "events_off", "cold"))
            + int(tp.get("audit_chain", {}).get("double_bookings", 0))
            + sum(int(r["double_bookings"]) for key in ("rungs", "lean_rungs")
                  for r in tp.get("guarantee_ladder", {}).get(key, [])))


def chart(results: dict[str, Any], path: Path) -> None:
    """Eight panels, each with its goal line; rush bars red where the variant double-booked; the
    guarantee ladders as bars, one a rung."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = results["scenarios"]
    fig, axes = plt.subplots(2, 4, figsize=(24, 9))
    goal = {"color": "red", "linestyle": "--", "linewidth": 1}
    if rush := s.get("rush"):
        variants = rush["variants"]
        names = [v["variant"].replace("_", "\n") for v in variants]
        colors = ["tab:green" if _correct(v) else "tab:red" for v in variants]
        for ax, values, title in (
                (axes[0][0], [v["attempts_per_s"] for v in variants], "Rush: hold attempts/s (16 tables, one slot)"),
                (axes[0][1], [v["db_latency_ms"]["p95"] or 0 for v in variants], "Rush: p95 ms in the database")):
            bars = ax.bar(names, values, color=colors)
            for bar, v in zip(bars, variants, strict=True):
                verdict = "correct" if _correct(v) else f"{v['double_bookings']} doubles"
                ax.annotate(f"{verdict}\n{v['winners_per_round']:g} winners", (bar.get_x() + bar.get_width() / 2,
                            bar.get_height()), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=7)
            ax.set_title(title)
            ax.tick_params(axis="x", labelsize=8)
            ax.margins(y=0.2)
        seed = next((v for v in variants if v["variant"] == "seed_advisory"), None)
        if seed:
            axes[0][0].axhline(seed["attempts_per_s"], **goal, label="goal: the seeds' advisory design")
            axes[0][0].legend(fontsize=8)
        axes[0][1].axhline(RUSH_P95_GOAL_MS, **goal, label=f"goal {RUSH_P95_GOAL_MS} ms (ours)")
        axes[0][1].legend(fontsize=8)
    ax = axes[0][2]
    if tp := s.get("throughput"):
        labels = ["bookings\nevents on", "bookings\nevents off", "events on\ncold plans"]
        runs = [tp[run]["tps"] for run in ("events_on", "events_off", "cold")]
        share = [100 * tps / tp["limit"]["tps"] for tps in runs]
        ax.bar(labels, share, color=["tab:green", "tab:olive", "tab:gray"])
        for i, v in enumerate(runs):
            ax.annotate(f"{v:,.0f}/s", (i, share[i]), xytext=(0, 3), textcoords="offset points", ha="center")
        ax.axhline(SHARE_GOAL * 100, **goal, label=f"goal {SHARE_GOAL * 100:.0f} % (events on)")
        ax.legend(fontsize=8)
        ax.set_ylabel(f"% of the single-row insert limit ({tp['limit']['tps']:,.0f}/s)")
    ax.set_title(f"Throughput at {tp['clients'] if tp else 16} clients, share of the limit")
    ax = axes[1][0]
    if sc := s.get("scale"):
        xs = [lv["history_bookings"] for lv in sc["levels"]]
        ax.plot(xs, [lv["snapshot"]["latency_ms"]["p95"] for lv in sc["levels"]], marker="o", label="snapshot p95")
        ax.plot(xs, [lv["hold"]["latency_ms"]["p95"] for lv in sc["levels"]], marker="o", label="hold p95")
        ax.set_xscale("log")
        ax.set_ylim(bottom=0)
        if floor := sc.get("snapshot_floor"):
            ax.axhline(floor["latency_ms"]["p95"], color="gray", linestyle=":",
                       label="floor p95: the same transaction, a one-row read")
        ax.axhline(SNAPSHOT_P95_GOAL_MS, **goal, label=f"snapshot goal {SNAPSHOT_P95_GOAL_MS} ms")
        ax.legend(fontsize=8)
    ax.set_title("Scale: p95 ms vs historical bookings")
    ax = axes[1][1]
    if rt := s.get("realtime"):
        keys = ["p50", "p95", "p99"]
        for offset, phase in ((-0.2, "idle"), (0.2, "under_load")):
            ax.bar([i + offset for i in range(3)], [rt[phase]["latency_ms"][k] or 0 for k in keys], width=0.4,
                   label=f"{phase.replace('_', ' ')} (missed {rt[phase]['missed']})")
        ax.set_xticks(range(3), keys)
        ax.legend(fontsize=8)
    ax.set_title("Realtime: commit-to-listener ms")
    ax = axes[1][2]
    if ex := s.get("expiry"):
        rungs = ex.get("guarantee_ladder", [])
        _ladder_panel(ax, ["under bookings", *(_rung_label(r["without"]) for r in rungs)],
                      [ex["sweep"]["holds_per_s"]] + [r["holds_per_s"] for r in rungs], EXPIRY_GOAL,
                      f"goal {EXPIRY_GOAL:,} holds/s", "holds/s")
    ax.set_title("Expiry: holds expired per second")
    ladder = (tp or {}).get("guarantee_ladder", {})
    for ax, key, name in ((axes[0][3], "rungs", "ours"), (axes[1][3], "lean_rungs", "lean probe")):
        rungs = ladder.get(key, [])
        if rungs:
            _ladder_panel(ax, [_rung_label(r["without"]) for r in rungs],
                          [100 * r["share_of_limit"] for r in rungs], SHARE_GOAL * 100,
                          f"goal {SHARE_GOAL * 100:.0f} %", "% of the single-row insert limit")
        ax.set_title(f"Throughput ladder, {name}: % of the limit")
    fig.suptitle(f"clubbooking benchmarks ({results['mode']}, {results['started']}): green = no double booking, "
                 "red dashed = goal; a ladder's rung drops one guarantee more than the rung above")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _rung_label(gone: list[str]) -> str:
    """A ladder's bar: what its rung dropped beyond the rung above."""
    return f"- {gone[-1]}" if gone else "every guarantee"


def _ladder_panel(ax: Any, labels: list[str], values: list[float], goal_value: float, goal_label: str,
                  unit: str) -> None:
    """A ladder as horizontal bars, its first rung on top, green where it meets the goal."""
    ys = range(len(values))[::-1]
    ax.barh(list(ys), values, color=["tab:green" if v >= goal_value else "tab:gray" for v in values])
    ax.set_yticks(list(ys), labels, fontsize=8)
    for y, v in zip(ys, values, strict=True):
        ax.annotate(f"{v:,.1f}" if v < 100 else f"{v:,.0f}", (v, y), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=7)
    ax.axvline(goal_value, color="red", linestyle="--", linewidth=1, label=goal_label)
    ax.set_xlabel(unit)
    ax.margins(x=0.15)
    ax.legend(fontsize=8, loc="lower right")


def write(results: dict[str, Any], folder: Path, stem: str) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / f"{stem}.json", "markdown": folder / f"{stem}.md", "chart": folder / f"{stem}.png"}
    paths["json"].write_text(json.dumps(results, indent=2, default=str) + "\n")
    paths["markdown"].write_text(markdown(results))
    chart(results, paths["chart"])
    return paths
