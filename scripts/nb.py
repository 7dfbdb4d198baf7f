"""Executes one notebook with the project's tslab kernel and optionally renders it to HTML.

Called by scripts/main.ts (the main job) and by test/notebooks (the tests). Built on nbclient so
that a failing cell is reported with its source and its stderr (tslab writes stack traces there),
and the partially executed notebook is still written. Never runs with allow-errors: after an error
tslab refuses requests for a moment, so later cells would be silently aborted.

usage: /usr/bin/python3 scripts/nb.py IN.ipynb OUT.ipynb [--html OUT.html] [--timeout SECONDS] [--progress-fd FD]
With --progress-fd, progress events go to that inherited file descriptor as JSON lines (see
scripts/progress.ts): {"event": "start", "cells": n}, {"event": "cell", "index": k, "cells": n},
{"event": "cell-done", "index": k, "seconds": s}, {"event": "saving"}; k counts code cells from 0.
exit status: 0 when every cell ran, 1 when a cell failed, 2 on bad usage or a kernel that never started.
"""
import argparse
import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The project-local kernelspec (jupyter/kernels/tslab) is found through JUPYTER_PATH.
os.environ["JUPYTER_PATH"] = os.pathsep.join(
    p for p in [os.path.join(ROOT, "jupyter"), os.environ.get("JUPYTER_PATH", "")] if p
)


def report_failure(nb, exc, last_started):
    """Prints the failing cell's source, its stderr and the error, found in the partial notebook.

    The failing cell is the one holding an error output; when tslab reported the failure only on
    stderr (no error output), it is the last cell that started executing.
    """
    failing = None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                failing = (index, cell)
    if failing is None and last_started is not None:
        failing = (last_started, nb.cells[last_started])
    print("=" * 78, file=sys.stderr)
    if failing is None:
        print(f"notebook failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return
    index, cell = failing
    print(f"cell {index} (counting from 0, markdown included) failed. Its source:", file=sys.stderr)
    print("-" * 78, file=sys.stderr)
    print(cell.source, file=sys.stderr)
    print("-" * 78, file=sys.stderr)
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            print("stderr:", file=sys.stderr)
            print(out.get("text", ""), file=sys.stderr)
        elif out.get("output_type") == "error":
            print(f"error: {out.get('ename')}: {out.get('evalue')}", file=sys.stderr)
            for line in out.get("traceback", []):
                print(line, file=sys.stderr)
    print("=" * 78, file=sys.stderr)


class Progress:
    """Writes progress events as JSON lines to a file descriptor, or nowhere.

    A separate descriptor rather than stderr: the kernel inherits stderr, and its output could split
    an event line.
    """

    def __init__(self, fd, nb, skip_tag):
        self.out = None
        if fd is not None:
            # Kept from the kernel: an inherited copy would hold the reader's pipe open after we exit.
            os.set_inheritable(fd, False)
            self.out = os.fdopen(fd, "w", buffering=1)
        # The cells nbclient will send to the kernel (see NotebookClient.async_execute_cell), so that
        # "cell k of n" counts what runs.
        self.code_cells = [
            i
            for i, cell in enumerate(nb.cells)
            if cell.cell_type == "code" and cell.source.strip() and skip_tag not in cell.metadata.get("tags", [])
        ]
        self.started = None

    def emit(self, **event):
        if self.out is None:
            return
        try:
            self.out.write(json.dumps(event) + "\n")
        except OSError:
            # The reader went away; progress is a convenience, never a reason to fail the run.
            self.out = None

    def cell_start(self, cell_index):
        if cell_index in self.code_cells:
            self.started = time.monotonic()
            self.emit(event="cell", index=self.code_cells.index(cell_index), cells=len(self.code_cells))

    def cell_done(self, cell_index):
        if cell_index in self.code_cells and self.started is not None:
            self.emit(event="cell-done", index=self.code_cells.index(cell_index), seconds=round(time.monotonic() - self.started, 3))
            self.started = None


def render_html(nb, html_path):
    from nbconvert import HTMLExporter

    # The lab template: Debian's nbconvert ships an empty stylesheet for the classic one.
    exporter = HTMLExporter(template_name="lab")
    # MathJax from Debian's libjs-mathjax, so formulas render without a network. CommonHTML output:
    # the HTML-CSS output probes a font at about:blank, which Chromium refuses on file:// pages.
    local_mathjax = "/usr/share/javascript/mathjax/MathJax.js"
    if os.path.exists(local_mathjax):
        exporter.mathjax_url = "file://" + local_mathjax + "?config=TeX-AMS_CHTML-full,Safe"
    name = os.path.splitext(os.path.basename(html_path))[0]
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
    with open(html_path, "w", encoding="utf-8") as fh:
        fh.write(body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--html")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--progress-fd", type=int, help="file descriptor for progress events (JSON lines)")
    args = parser.parse_args()

    nb = nbformat.read(args.input, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="tslab",
        timeout=args.timeout,
        startup_timeout=120,
        allow_errors=False,
        resources={"metadata": {"path": ROOT}},
    )
    last_started = {"index": None}
    progress = Progress(args.progress_fd, nb, client.skip_cells_with_tag)

    def on_cell_start(cell, cell_index, **kwargs):
        last_started["index"] = cell_index

    # on_cell_execute and on_cell_executed bracket the kernel's work on a code cell; nbclient 0.7's
    # on_cell_complete fires as soon as the request is sent, before the cell has run.
    def on_cell_execute(cell, cell_index, **kwargs):
        progress.cell_start(cell_index)

    def on_cell_executed(cell, cell_index, **kwargs):
        progress.cell_done(cell_index)

    client.on_cell_start = on_cell_start
    client.on_cell_execute = on_cell_execute
    client.on_cell_executed = on_cell_executed
    progress.emit(event="start", cells=len(progress.code_cells))
    started = time.time()
    status = 0
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        report_failure(nb, exc, last_started["index"])
        status = 1
    except RuntimeError as exc:
        print(f"the tslab kernel did not start: {exc}", file=sys.stderr)
        status = 2
    elapsed = time.time() - started
    progress.emit(event="saving")
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    nbformat.write(nb, args.output)
    if args.html:
        os.makedirs(os.path.dirname(os.path.abspath(args.html)), exist_ok=True)
        render_html(nb, args.html)
    print(f"{os.path.basename(args.input)}: {'ok' if status == 0 else 'FAILED'} in {elapsed:.1f} s")
    sys.exit(status)


if __name__ == "__main__":
    main()
