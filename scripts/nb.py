"""Executes one notebook with the project's tslab kernel and optionally renders it to HTML.

Called by scripts/main.ts (the main job) and by test/notebooks (the tests). Built on nbclient so
that a failing cell is reported with its source and its stderr (tslab writes stack traces there),
and the partially executed notebook is still written. Never runs with allow-errors: after an error
tslab refuses requests for a moment, so later cells would be silently aborted.

usage: /usr/bin/python3 scripts/nb.py IN.ipynb OUT.ipynb [--html OUT.html] [--timeout SECONDS]
exit status: 0 when every cell ran, 1 when a cell failed, 2 on bad usage or a kernel that never started.
"""
import argparse
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

    def on_cell_start(cell, cell_index, **kwargs):
        last_started["index"] = cell_index

    client.on_cell_start = on_cell_start
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
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    nbformat.write(nb, args.output)
    if args.html:
        os.makedirs(os.path.dirname(os.path.abspath(args.html)), exist_ok=True)
        render_html(nb, args.html)
    print(f"{os.path.basename(args.input)}: {'ok' if status == 0 else 'FAILED'} in {elapsed:.1f} s")
    sys.exit(status)


if __name__ == "__main__":
    main()
