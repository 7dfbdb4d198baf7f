/**
 * Progress of a notebook in the main job's console: which code cell runs, for how long, and about how
 * long the notebook has left. scripts/nb.py reports cell starts and ends (see {@link ProgressEvent});
 * {@link ProgressView} draws them: one line rewritten in place on a terminal, and on a log (CI, a
 * file) a plain line per cell at most every 10 s, so that a 40-cell notebook does not flood the log.
 */

/** What scripts/nb.py writes, one JSON object a line, on its progress file descriptor. */
export type ProgressEvent =
  /** The kernel is about to start; `cells` code cells will run. */
  | { event: 'start'; cells: number }
  /** Code cell `index` (counting code cells from 0) starts. */
  | { event: 'cell'; index: number; cells: number }
  /** Code cell `index` ended after `seconds`. */
  | { event: 'cell-done'; index: number; seconds: number }
  /** Every cell ran (or one failed); the notebook and its HTML are being written. */
  | { event: 'saving' };

/** Where a notebook stands, for {@link estimateRemaining}. */
export interface CellProgress {
  /** Number of code cells in the notebook. */
  cells: number;
  /** The running code cell, counting code cells from 0. */
  index: number;
  /** Seconds the running cell has run so far. */
  elapsed: number;
  /** Seconds each earlier code cell took in this run. */
  done: readonly number[];
  /** Seconds each code cell took in the previous run, if recorded. */
  previous?: readonly number[];
}

/**
 * Estimates the seconds a notebook has left while one of its cells runs.
 *
 * When the previous run timed every code cell of a notebook with the same number of code cells, the
 * estimate is what the running cell had left in that run (none once it has run longer) plus the
 * previous times of the cells after it. Otherwise it assumes every remaining cell takes the mean time
 * of the cells finished so far, and has no estimate before the first cell ends.
 *
 * @example estimateRemaining({ cells: 4, index: 1, elapsed: 2, done: [3], previous: [3, 10, 5, 1] }) // 14
 * @param progress See {@link CellProgress}.
 * @returns Seconds left, or undefined when there is nothing to estimate from.
 */
export function estimateRemaining(progress: CellProgress): number | undefined {
  const { cells, index, elapsed, done, previous } = progress;
  const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);
  // A previous run of a different notebook shape would attribute times to the wrong cells.
  if (previous && previous.length === cells && cells > 0) {
    return Math.max(previous[index] - elapsed, 0) + sum(previous.slice(index + 1));
  }
  if (done.length === 0) return undefined;
  const mean = sum(done) / done.length;
  return Math.max(mean - elapsed, 0) + mean * Math.max(cells - index - 1, 0);
}

/**
 * Formats seconds as `m:ss`, or `h:mm:ss` from one hour.
 *
 * @example formatDuration(125.4) // '2:05'
 * @param seconds A non-negative duration.
 * @returns The text.
 */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/**
 * The estimate of the time a notebook has left, in words.
 *
 * @example etaText({ cells: 4, index: 1, elapsed: 2, done: [3], previous: [3, 10, 5, 1] }) // 'about 0:14 left'
 * @param progress See {@link CellProgress}.
 * @returns The text.
 */
export function etaText(progress: CellProgress): string {
  const left = estimateRemaining(progress);
  return left === undefined ? 'time left not known yet' : `about ${formatDuration(left)} left`;
}

/**
 * The progress text of a running cell.
 *
 * @example progressText({ cells: 4, index: 1, elapsed: 2, done: [3], previous: [3, 10, 5, 1] }) // 'cell 2/4, 0:02 in cell, about 0:14 left'
 * @param progress See {@link CellProgress}.
 * @returns The text, without the notebook's name.
 */
export function progressText(progress: CellProgress): string {
  return `cell ${progress.index + 1}/${progress.cells}, ${formatDuration(progress.elapsed)} in cell, ${etaText(progress)}`;
}

/** Options of {@link ProgressView}. */
export interface ProgressViewOptions {
  /** Where to draw. @default process.stdout */
  stream?: NodeJS.WriteStream;
  /** Rewrite one line in place; off for logs. @default stream.isTTY */
  tty?: boolean;
  /** On a log, the least time between two lines, in seconds. @default 10 */
  minGapSeconds?: number;
  /** On a log, while one cell runs, a reminder line this often, in seconds. @default 60 */
  reminderSeconds?: number;
}

/**
 * Draws one notebook's progress events on the console.
 *
 * @example
 * const view = new ProgressView('01_baselines', previousCellSeconds);
 * await runNotebook('01_baselines', { quick, outDir, onProgress: (e) => view.update(e) });
 * view.finish('ok (452 s)');
 */
export class ProgressView {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly minGap: number;
  private readonly reminder: number;
  private cells = 0;
  private index = -1;
  private cellStarted = 0;
  private readonly done: number[] = [];
  private status = 'starting the kernel';
  private readonly started = Date.now();
  private lastLogged = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param name The notebook's name, shown on every line.
   * @param previous Seconds per code cell from the previous run, if recorded.
   * @param options See {@link ProgressViewOptions}.
   */
  constructor(
    private readonly name: string,
    private readonly previous: readonly number[] | undefined,
    options: ProgressViewOptions = {},
  ) {
    this.stream = options.stream ?? process.stdout;
    this.tty = options.tty ?? Boolean(this.stream.isTTY);
    this.minGap = (options.minGapSeconds ?? 10) * 1000;
    this.reminder = (options.reminderSeconds ?? 60) * 1000;
    if (this.tty) {
      this.draw();
      // Redraw every second so that the elapsed time moves during a long cell.
      this.timer = setInterval(() => this.tick(), 1000);
      this.timer.unref();
    } else {
      this.stream.write(`- ${name} ...\n`);
      this.timer = setInterval(() => this.tick(), 5000);
      this.timer.unref();
    }
  }

  /** Takes one event from scripts/nb.py. */
  update(event: ProgressEvent): void {
    if (event.event === 'start') this.cells = event.cells;
    else if (event.event === 'cell') {
      this.cells = event.cells;
      this.index = event.index;
      this.cellStarted = Date.now();
      this.status = '';
      if (!this.tty && Date.now() - this.lastLogged >= this.minGap) {
        const since = formatDuration((Date.now() - this.started) / 1000);
        this.log(`cell ${event.index + 1}/${event.cells} starts at ${since}, ${etaText(this.progress())}`);
      }
    } else if (event.event === 'cell-done') this.done[event.index] = event.seconds;
    else if (event.event === 'saving') this.status = 'writing the notebook and its HTML';
    if (this.tty) this.draw();
  }

  /** Stops drawing and prints the notebook's outcome on its own line. */
  finish(outcome: string): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty) this.stream.write(`\r\x1b[K- ${this.name} ${outcome}\n`);
    else this.stream.write(`  ${this.name} ${outcome}\n`);
  }

  private progress(): CellProgress {
    return {
      cells: this.cells,
      index: this.index,
      elapsed: (Date.now() - this.cellStarted) / 1000,
      done: this.done.slice(0, this.index),
      previous: this.previous,
    };
  }

  private current(): string {
    return this.status || this.index < 0 ? this.status : progressText(this.progress());
  }

  private tick(): void {
    if (this.tty) this.draw();
    else if (this.index >= 0 && !this.status && Date.now() - this.lastLogged >= this.reminder) this.log(this.current());
  }

  private draw(): void {
    let line = `- ${this.name} ... ${this.current()}`;
    const width = this.stream.columns;
    // A line longer than the terminal wraps, and \r then rewrites only its last part.
    if (width && line.length >= width) line = line.slice(0, width - 1);
    this.stream.write(`\r\x1b[K${line}`);
  }

  private log(text: string): void {
    this.lastLogged = Date.now();
    this.stream.write(`  ${this.name}: ${text}\n`);
  }
}
