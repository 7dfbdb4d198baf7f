"""Authoring helper: builds a notebook from a percent-format TypeScript file, and back.

A source file holds cells separated by marker lines: `// %% [markdown]` starts a markdown cell whose
lines are written as `// ` comments, `// %%` starts a code cell. The notebook is written without
outputs or execution counts, with the project's tslab kernelspec.

usage: /usr/bin/python3 scripts/nbsource.py to-ipynb SRC.ts OUT.ipynb
       /usr/bin/python3 scripts/nbsource.py to-source IN.ipynb OUT.ts
"""
import json
import sys

KERNELSPEC = {"name": "tslab", "display_name": "TypeScript (tslab, rnn-compression)", "language": "typescript"}


def to_ipynb(src, out):
    cells, kind, lines = [], None, []

    def flush():
        if kind is None:
            return
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        text = "\n".join(lines)
        cell_id = f"cell-{len(cells):03d}"
        if kind == "markdown":
            cells.append({"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text.splitlines(True)})
        else:
            cells.append({"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": None, "outputs": [], "source": text.splitlines(True)})

    for raw in open(src, encoding="utf-8").read().splitlines():
        if raw.strip() == "// %% [markdown]":
            flush()
            kind, lines = "markdown", []
        elif raw.strip() == "// %%":
            flush()
            kind, lines = "code", []
        elif kind == "markdown":
            lines.append(raw[3:] if raw.startswith("// ") else raw[2:] if raw.startswith("//") else raw)
        elif kind == "code":
            lines.append(raw)
    flush()
    nb = {
        "cells": cells,
        "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "typescript", "file_extension": ".ts"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(nb, fh, indent=1, ensure_ascii=False)
        fh.write("\n")


def to_source(src, out):
    nb = json.load(open(src, encoding="utf-8"))
    parts = []
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            parts.append("// %% [markdown]\n" + "\n".join(("// " + l) if l else "//" for l in text.splitlines()))
        else:
            parts.append("// %%\n" + text)
    with open(out, "w", encoding="utf-8") as fh:
        fh.write("\n\n".join(parts) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("to-ipynb", "to-source"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    (to_ipynb if sys.argv[1] == "to-ipynb" else to_source)(sys.argv[2], sys.argv[3])
