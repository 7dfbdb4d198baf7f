/**
 * Executes the course notebooks with the project's tslab kernel through scripts/nb.py and builds an
 * index page. Shared by the main job (scripts/main.ts) and the notebook tests.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Readable } from 'stream';
import type { ProgressEvent } from './progress';

export const ROOT = path.resolve(__dirname, '..');
export const PYTHON = process.env.RNNC_PYTHON || '/usr/bin/python3';

/** The notebooks of the course, in order. */
export function listNotebooks(): string[] {
  return fs
    .readdirSync(path.join(ROOT, 'notebooks'))
    .filter((f) => f.endsWith('.ipynb') && !f.startsWith('.'))
    .sort()
    .map((f) => f.replace(/\.ipynb$/, ''));
}

/** Result of executing one notebook. */
export interface NotebookRun {
  name: string;
  ok: boolean;
  seconds: number;
  executed: string;
  html: string;
  /** stdout and stderr of the runner: on failure, the failing cell's source and stderr. */
  log: string;
  headlines: { label: string; value: number | string; unit?: string }[];
  /** Seconds each code cell took, in order; shorter than the code cells when a cell failed. */
  cellSeconds: number[];
}

/**
 * Executes one notebook and renders it to HTML.
 * @param name Notebook name without extension.
 * @param options `quick` selects quick mode; `outDir` receives notebooks/, html/, headlines/ and
 *   results/; `onProgress` receives the cell events of scripts/nb.py as they happen.
 */
export function runNotebook(
  name: string,
  options: { quick: boolean; outDir: string; timeoutSeconds?: number; echo?: boolean; onProgress?: (event: ProgressEvent) => void },
): Promise<NotebookRun> {
  const { quick, outDir, timeoutSeconds = 1800, echo = false, onProgress } = options;
  const executed = path.join(outDir, 'notebooks', `${name}.ipynb`);
  const html = path.join(outDir, 'html', `${name}.html`);
  const headlineFile = path.join(outDir, 'headlines', `${name}.json`);
  fs.rmSync(headlineFile, { force: true });
  fs.rmSync(path.join(outDir, 'results', `${name}.json`), { force: true });
  const env = { ...process.env, RNNC_QUICK: quick ? '1' : '0', RNNC_NOTEBOOK: name, RNNC_OUTPUT_DIR: path.resolve(outDir) };
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      PYTHON,
      [path.join(ROOT, 'scripts', 'nb.py'), path.join(ROOT, 'notebooks', `${name}.ipynb`), executed, '--html', html, '--timeout', String(timeoutSeconds), '--progress-fd', '3'],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
    );
    // With a fourth pipe, node types every stdio entry as possibly null; these three are pipes.
    const stdout = child.stdio[1] as Readable;
    const stderr = child.stdio[2] as Readable;
    const progressPipe = child.stdio[3] as Readable;
    const cellSeconds: number[] = [];
    let pending = '';
    progressPipe.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        let event: ProgressEvent;
        try {
          event = JSON.parse(line) as ProgressEvent;
        } catch {
          continue; // progress is shown for convenience; a garbled line must not fail the run
        }
        if (event.event === 'cell-done') cellSeconds[event.index] = event.seconds;
        onProgress?.(event);
      }
    });
    let log = '';
    const take = (chunk: Buffer): void => {
      log += chunk.toString();
      if (echo) process.stdout.write(chunk);
    };
    stdout.on('data', take);
    stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => {
      const headlines = fs.existsSync(headlineFile) ? JSON.parse(fs.readFileSync(headlineFile, 'utf8')) : [];
      resolve({ name, ok: code === 0, seconds: (Date.now() - started) / 1000, executed, html, log, headlines, cellSeconds });
    });
  });
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function formatValue(v: number | string): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

/** Links to the main job's by-products, only those that exist (the tests build no API reference). */
function extraLinks(outDir: string): string {
  const links = [
    ['results.json', 'numbers as data (results.json)'],
    ['api/index.html', 'API reference (TypeDoc)'],
  ].filter(([file]) => fs.existsSync(path.join(outDir, file)));
  return links.length === 0 ? '' : `<p>${links.map(([file, label]) => `<a href="${file}">${label}</a>`).join(' · ')}</p>\n`;
}

/** Writes `<outDir>/index.html` linking every rendered notebook with its headline numbers and run time. */
export function writeIndex(runs: NotebookRun[], outDir: string, meta: { quick: boolean; backend?: string }): string {
  const rows = runs
    .map((r) => {
      const heads = r.headlines.map((h) => `<li>${escapeHtml(h.label)}: <b>${escapeHtml(formatValue(h.value))}</b>${h.unit ? ' ' + escapeHtml(h.unit) : ''}</li>`).join('');
      return `<tr><td><a href="html/${r.name}.html">${r.name}</a></td><td class="${r.ok ? 'ok' : 'fail'}">${r.ok ? 'ok' : 'FAILED'}</td><td>${r.seconds.toFixed(0)} s</td><td><ul>${heads}</ul></td></tr>`;
    })
    .join('\n');
  const total = runs.reduce((s, r) => s + r.seconds, 0);
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>RNN compression course: results</title>
<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.4em .6em;vertical-align:top}.ok{color:#080}.fail{color:#b00;font-weight:bold}ul{margin:0;padding-left:1.2em}</style></head>
<body><h1>RNN compression course: executed notebooks</h1>
<p>Mode: ${meta.quick ? 'quick (small data, few epochs)' : 'full size'}. Generated ${new Date().toISOString()}. Total run time ${total.toFixed(0)} s.</p>
<table><tr><th>notebook</th><th>status</th><th>run time</th><th>headline numbers</th></tr>
${rows}
</table>
${extraLinks(outDir)}</body></html>`;
  const file = path.join(outDir, 'index.html');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(file, page);
  return file;
}
