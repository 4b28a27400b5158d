"""Tables of the catalog benchmark: plain text for stdout, markdown for bench/out/ and the docs."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from bench.catalog.cpu import CpuShare
from bench.catalog.load import LoadResult

TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
TARGET_SLOWDOWN = 1.5
TARGETED = ("list", "search-zh", "search-py", "detail")


@dataclass
class Row:
    size: int
    workers: str  # "sync" / "gthread"
    name: str
    cache: str
    result: LoadResult
    bare_rps: float
    cpu: CpuShare | None = None
    bare_cpu_ms: float = 0.0  # the bare reference's server CPU per request

    @property
    def cpu_ratio(self) -> float:
        """bare Flask's server CPU per request ÷ this scenario's: × bare by CPU time, which the
        other processes on a shared machine move far less than throughput."""
        return self.bare_cpu_ms / self.result.server_cpu_ms if self.result.server_cpu_ms else 0.0

    @property
    def label(self) -> str:
        return self.name if self.cache == "-" else f"{self.name} {self.cache}"

    @property
    def ratio(self) -> float:
        return self.result.rps / self.bare_rps if self.bare_rps else 0.0

    @property
    def note(self) -> str:
        r = self.result
        notes = []
        if r.errors or r.bad_status:
            notes.append(f"{r.errors} errors, {r.bad_status} ≥400")
        if self.cache == "cold" and r.repeats:
            notes.append(f"{r.repeats} of {r.requests} repeat a path ({r.distinct_paths} distinct)")
        return "; ".join(notes)


@dataclass
class ServerFacts:
    size: int
    workers: str
    first_search_ms: float
    first_search_status: int
    worker_rss_mb: list[float]
    start_seconds: float
    prime_seconds: float
    worker_uss_mb: list[float] = field(default_factory=list)
    worker_pss_mb: list[float] = field(default_factory=list)
    master_rss_mb: float = 0.0


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    servers: list[ServerFacts] = field(default_factory=list)
    imports: dict[int, dict] = field(default_factory=dict)
    hit_shares: dict[int, dict] = field(default_factory=dict)

    # -- targets

    def target_rows(self) -> list[tuple[Row, bool]]:
        out = []
        for r in self.rows:
            if r.name in TARGETED:
                out.append((r, r.ratio >= TARGET_RATIO and r.result.p99_ms <= TARGET_P99_MS))
        return out

    def scaling(self) -> list[tuple[str, str, float, float, float, float, bool]]:
        """(scenario, workers, slowdown in req/s, slowdown in × bare, p99 ratio, met) between the
        smallest and the largest size. The run measures the sizes minutes apart on a machine whose
        load drifts, so the target is judged on the slowdown of the × bare ratio (each figure
        normalised by bare Flask measured next to it); the raw req/s slowdown is shown too."""
        sizes = sorted({r.size for r in self.rows})
        if len(sizes) < 2:
            return []
        small, large = sizes[0], sizes[-1]
        index = {(r.size, r.workers, r.label): r for r in self.rows}
        out = []
        for r in self.rows:
            if r.size != small or r.name.startswith("bare"):
                continue
            big = index.get((large, r.workers, r.label))
            if big is None or not big.result.rps or not big.ratio:
                continue
            raw = r.result.rps / big.result.rps
            normalised = r.ratio / big.ratio
            p99 = big.result.p99_ms / r.result.p99_ms if r.result.p99_ms else 0.0
            cpu = big.result.server_cpu_ms / r.result.server_cpu_ms if r.result.server_cpu_ms else 0.0
            out.append((r.label, r.workers, raw, normalised, p99, cpu, normalised <= TARGET_SLOWDOWN))
        return out

    def to_json(self) -> dict:
        from dataclasses import asdict

        return {
            "rows": [asdict(r) | {"rps": r.result.rps, "ratio": r.ratio} for r in self.rows],
            "servers": [asdict(x) for x in self.servers],
            "imports": self.imports,
            "hit_shares": self.hit_shares,
        }

    # -- rendering

    def results_table(self, markdown: bool) -> str:
        head = ["scenario", "items", "workers", "req/s", "p50 ms", "p99 ms", "× bare", "bare req/s"]
        head += ["CPU ms/req", "× bare (CPU)", "CPU other/pg %"]
        head.append("note")
        body = [
            [
                r.label,
                f"{r.size:,}",
                r.workers,
                f"{r.result.rps:,.0f}",
                f"{r.result.p50_ms:.1f}",
                f"{r.result.p99_ms:.1f}",
                f"{r.ratio:.2f}",
                f"{r.bare_rps:,.0f}",
                f"{r.result.server_cpu_ms:.2f}",
                f"{r.cpu_ratio:.2f}",
                f"{r.cpu.other:.0f}/{r.cpu.postgres:.0f}" if r.cpu else "-",
                r.note,
            ]
            for r in self.rows
        ]
        return _table(head, body, markdown)

    def targets_table(self, markdown: bool) -> str:
        head = ["scenario", "items", "workers", "× bare (≥ 0.5)", "p99 ms (≤ 50)", "bare p99 ms", "met"]
        head.insert(4, "× bare by CPU")
        bare_p99 = {(r.size, r.workers): r.result.p99_ms for r in self.rows if r.name == "bare"}
        body = [
            [
                r.label,
                f"{r.size:,}",
                r.workers,
                f"{r.ratio:.2f}",
                f"{r.cpu_ratio:.2f}",
                f"{r.result.p99_ms:.1f}",
                f"{bare_p99.get((r.size, r.workers), 0):.1f}",
                "yes" if ok else "NO",
            ]
            for r, ok in self.target_rows()
        ]
        return _table(head, body, markdown)

    def scaling_table(self, markdown: bool) -> str:
        sizes = sorted({r.size for r in self.rows})
        if len(sizes) < 2:
            return "(one size only: no scaling figures)"
        head = [
            "scenario",
            "workers",
            f"req/s {sizes[0]:,} ÷ {sizes[-1]:,}",
            f"× bare {sizes[0]:,} ÷ {sizes[-1]:,} (≤ 1.5)",
            f"p99 {sizes[-1]:,} ÷ {sizes[0]:,}",
            f"CPU/req {sizes[-1]:,} ÷ {sizes[0]:,}",
            "met",
        ]
        body = [
            [label, workers, f"{raw:.2f}", f"{norm:.2f}", f"{p99:.2f}", f"{cpu:.2f}", "yes" if ok else "NO"]
            for label, workers, raw, norm, p99, cpu, ok in self.scaling()
        ]
        return _table(head, body, markdown)

    def servers_table(self, markdown: bool) -> str:
        head = [
            "items",
            "workers",
            "first search after start (ms)",
            "worker RSS after the run (MB)",
            "worker USS / PSS (MB)",
            "master RSS (MB)",
            "start (s)",
            "priming (s)",
        ]
        body = [
            [
                f"{s.size:,}",
                s.workers,
                f"{s.first_search_ms:,.0f}"
                + ("" if s.first_search_status == 200 else f" (HTTP {s.first_search_status})"),
                ", ".join(f"{m:.0f}" for m in s.worker_rss_mb),
                ", ".join(f"{u:.0f} / {p:.0f}" for u, p in zip(s.worker_uss_mb, s.worker_pss_mb, strict=False)) or "-",
                f"{s.master_rss_mb:.0f}",
                f"{s.start_seconds:.1f}",
                f"{s.prime_seconds:.0f}",
            ]
            for s in self.servers
        ]
        return _table(head, body, markdown)

    def imports_table(self, markdown: bool) -> str:
        head = ["items", "departments", "import", "seconds", "items/s", "database"]
        body = []
        for size, d in sorted(self.imports.items()):
            body.append(
                [
                    f"{size:,}",
                    f"{d['departments']:,}",
                    d["how"],
                    f"{d['seconds']:.0f}" if d.get("seconds") else "-",
                    f"{d['items_per_second']:.0f}" if d.get("items_per_second") else "-",
                    d["database"],
                ]
            )
        return _table(head, body, markdown)

    def hits_table(self, markdown: bool) -> str:
        head = [
            "items",
            "query set",
            "queries",
            "median share of names hit",
            "median share of items returned",
            "min–max returned",
        ]
        body = []
        for size, sets in sorted(self.hit_shares.items()):
            for set_name, d in sets.items():
                ret = d.get("returned") or []
                body.append(
                    [
                        f"{size:,}",
                        set_name,
                        str(d["queries"]),
                        f"{statistics.median(d['names']) * 100:.1f}%",
                        f"{statistics.median(ret) * 100:.1f}%" if ret else "-",
                        f"{min(ret) * 100:.1f}–{max(ret) * 100:.1f}%" if ret else "-",
                    ]
                )
        return _table(head, body, markdown)


def _table(head: list[str], body: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)
    widths = [max(_width(c) for c in col) for col in zip(head, *body, strict=False)]
    lines = ["  ".join(_pad(c, w) for c, w in zip(head, widths, strict=False))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, w) for c, w in zip(row, widths, strict=False)) for row in body]
    return "\n".join(lines)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
