#!/usr/bin/env python3
"""Draws docs/benchmarks.png from the Markdown tables the bench scripts print.

    python3 bench/plot.py RUN_RESULTS.md CONCURRENCY.md WIDTHS.md [-o docs/benchmarks.png]

RUN_RESULTS.md is bench/run.sh's results.md, CONCURRENCY.md what bench/concurrency.sh printed,
WIDTHS.md what bench/widths.sh printed (save them with `| tee`). Three panels, each with a rate
(bars, left axis) and the service's CPU (dots, right axis): rows/s and CPU seconds per million
rows by format (psql's COPY for reference) and by streams at once; MB/s, CPU seconds per GB
and peak RSS by row width. Needs matplotlib
(pip install matplotlib).
"""
import argparse
import re
import sys


def tables(path):
    """Every Markdown table of the file: a list of dicts keyed by the header cells."""
    found, header, rows = [], None, []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line.startswith("|"):
            if header:
                found.append(rows)
            header, rows = None, []
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if header is None:
            header = cells
        elif all(re.fullmatch(r":?-+:?", c) for c in cells):
            continue
        else:
            rows.append(dict(zip(header, cells)))
    if header:
        found.append(rows)
    return found


def number(text):
    """The first number in a cell ('1,234' -> 1234.0, '1.54' -> 1.54); None when there is none."""
    match = re.search(r"-?[\d,]*\.?\d+", text or "")
    return float(match.group(0).replace(",", "")) if match else None


def table_with(path, column):
    for table in tables(path):
        if table and column in table[0]:
            return table
    sys.exit(f"{path}: no table with a column '{column}'")


def panel(axis, labels, rates, cpu, title, xlabel, rate="rows/s", per="Sluice CPU s per million rows"):
    positions = range(len(labels))
    axis.bar(positions, [r or 0 for r in rates], color="#4c78a8")
    axis.set_xticks(list(positions), labels, rotation=30, ha="right", fontsize=8)
    axis.set_ylabel(rate, color="#4c78a8")
    axis.set_title(title, fontsize=10)
    axis.set_xlabel(xlabel, fontsize=8)
    right = axis.twinx()
    right.plot(list(positions), cpu, "o", color="#e45756")
    right.set_ylabel(per, color="#e45756")
    right.set_ylim(bottom=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("concurrency")
    parser.add_argument("widths")
    parser.add_argument("-o", "--out", default="docs/benchmarks.png")
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    formats = [r for r in table_with(args.run, "Service CPU s per M rows") if not r["Export"].startswith("CSV export,")]
    streams = table_with(args.concurrency, "Streams")
    widths = table_with(args.widths, "Width")

    figure, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    panel(axes[0], [r["Export"].replace("Sluice ", "").replace("psql `\\copy … csv header`", "psql COPY") for r in formats],
          [number(r["Rows/s"]) for r in formats], [number(r["Service CPU s per M rows"]) for r in formats],
          "One full export by format", "format")
    panel(axes[1], [r["Streams"] for r in streams], [number(r["Rows/s together"]) for r in streams],
          [number(r["Sluice CPU s/M rows"]) for r in streams], "Concurrent CSV exports (rows/s together)", "streams at once")
    panel(axes[2], [r["Width"] for r in widths], [number(r["MB/s together"]) for r in widths],
          [number(r["Sluice CPU s/GB"]) for r in widths], "Rows of any width, -Xmx256m (label: peak RSS)", "row width",
          rate="MB/s together", per="Sluice CPU s per GB")
    for axis, row in zip(range(len(widths)), widths):
        axes[2].annotate(row["Peak RSS after"], (axis, number(row["MB/s together"]) or 0), ha="center", fontsize=8,
                         xytext=(0, 3), textcoords="offset points")
    figure.tight_layout()
    figure.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
