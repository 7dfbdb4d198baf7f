/**
 * Colours shared by every figure, so that a technique, a cell type or a storage format has the
 * same colour in every plot and notebook of the course. The hues come from the Tableau 10 and
 * ColorBrewer Dark2 sets, which stay distinguishable for the common colour-vision deficiencies.
 */

/** Canonical names of the compression techniques the course covers. */
export const TECHNIQUES = [
  'baseline',
  'threshold-pruning',
  'magnitude-pruning',
  'structured-pruning',
  'quantization',
  'qat',
  'distillation',
  'low-rank',
  'pipeline',
] as const;

/** A canonical technique name. */
export type Technique = (typeof TECHNIQUES)[number];

/** Canonical recurrent cell names. */
export const CELLS = ['SimpleRNN', 'LSTM', 'GRU'] as const;

/** A canonical cell name. */
export type Cell = (typeof CELLS)[number];

/** Canonical storage formats, in the order bars are drawn. */
export const STORAGE_FORMATS = ['float32', 'float16', 'packed', 'bitmask', 'csr', 'huffman', 'gzip'] as const;

/** A canonical storage format name. */
export type StorageFormat = (typeof STORAGE_FORMATS)[number];

/** The colour tables. Read-only: change a colour here and every figure follows. */
export const palette = {
  technique: {
    baseline: '#3b3b3b',
    'threshold-pruning': '#f28e2b',
    'magnitude-pruning': '#e15759',
    'structured-pruning': '#9c755f',
    quantization: '#4e79a7',
    qat: '#76b7b2',
    distillation: '#59a14f',
    'low-rank': '#b07aa1',
    pipeline: '#b6992d',
  } as Readonly<Record<Technique, string>>,
  cell: {
    SimpleRNN: '#1b9e77',
    LSTM: '#d95f02',
    GRU: '#7570b3',
  } as Readonly<Record<Cell, string>>,
  format: {
    float32: '#3b3b3b',
    float16: '#79706e',
    packed: '#4e79a7',
    bitmask: '#e15759',
    csr: '#ff9da7',
    huffman: '#499894',
    gzip: '#8cd17d',
  } as Readonly<Record<StorageFormat, string>>,
  /** For series with no fixed colour (scopes, models, unknown names). */
  categorical: ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'],
  /** Frontier lines, reference lines, quantization levels. */
  neutral: '#555555',
} as const;

/** Human-readable technique names for legends. */
export const TECHNIQUE_LABELS: Readonly<Record<Technique, string>> = {
  baseline: 'baseline (dense)',
  'threshold-pruning': 'threshold pruning',
  'magnitude-pruning': 'magnitude pruning',
  'structured-pruning': 'structured pruning',
  quantization: 'quantization',
  qat: 'QAT',
  distillation: 'distillation',
  'low-rank': 'low-rank',
  pipeline: 'pipeline',
};

const TECHNIQUE_ALIASES: Readonly<Record<string, Technique>> = {
  dense: 'baseline',
  float32: 'baseline',
  threshold: 'threshold-pruning',
  magnitude: 'magnitude-pruning',
  'unstructured-pruning': 'magnitude-pruning',
  pruning: 'magnitude-pruning',
  structured: 'structured-pruning',
  quantisation: 'quantization',
  ptq: 'quantization',
  'post-training-quantization': 'quantization',
  'quantization-aware-training': 'qat',
  'knowledge-distillation': 'distillation',
  lowrank: 'low-rank',
  svd: 'low-rank',
  combined: 'pipeline',
};

const CELL_ALIASES: Readonly<Record<string, Cell>> = {
  simplernn: 'SimpleRNN',
  rnn: 'SimpleRNN',
  lstm: 'LSTM',
  gru: 'GRU',
};

const FORMAT_ALIASES: Readonly<Record<string, StorageFormat>> = {
  float32: 'float32',
  dense: 'float32',
  densefloat32: 'float32',
  fp32: 'float32',
  float16: 'float16',
  fp16: 'float16',
  packed: 'packed',
  kbitpacked: 'packed',
  kbit: 'packed',
  bitmask: 'bitmask',
  bitmasksparse: 'bitmask',
  csr: 'csr',
  huffman: 'huffman',
  gzip: 'gzip',
};

function slug(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_]+/g, '-');
}

/**
 * Maps a technique name as users write it (`Magnitude pruning`, `magnitude_pruning`, `PTQ`) to its
 * canonical name.
 *
 * @example normaliseTechnique('Magnitude pruning') // 'magnitude-pruning'
 * @param name Any spelling.
 * @returns The canonical name, or `undefined` when the name is not a known technique.
 */
export function normaliseTechnique(name: string): Technique | undefined {
  const s = slug(name);
  if ((TECHNIQUES as readonly string[]).includes(s)) return s as Technique;
  return TECHNIQUE_ALIASES[s];
}

/**
 * Maps a cell name (`lstm`, `SimpleRNN`, `simple_rnn`) to its canonical name.
 *
 * @example normaliseCell('lstm') // 'LSTM'
 * @param name Any spelling.
 * @returns The canonical name, or `undefined` when the name is not a known cell.
 */
export function normaliseCell(name: string): Cell | undefined {
  return CELL_ALIASES[name.trim().toLowerCase().replace(/[\s_-]+/g, '')];
}

/**
 * Maps a storage format name (`dense float32`, `k-bit packed`, `CSR`) to its canonical name.
 *
 * @example normaliseFormat('k-bit packed') // 'packed'
 * @param name Any spelling.
 * @returns The canonical name, or `undefined` when the format is not one of {@link STORAGE_FORMATS}.
 */
export function normaliseFormat(name: string): StorageFormat | undefined {
  return FORMAT_ALIASES[name.trim().toLowerCase().replace(/[\s_-]+/g, '')];
}

function checkName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`${what} must be a string, got ${typeof name}`);
}

/**
 * A colour that depends only on the name, for names without a fixed colour: the same unknown
 * technique then gets the same colour in every figure.
 */
function hashedColor(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return palette.categorical[h % palette.categorical.length];
}

/**
 * The colour of a technique; unknown names get a colour derived from the name.
 *
 * @example techniqueColor('QAT') === palette.technique.qat
 * @param name Technique name in any spelling accepted by {@link normaliseTechnique}.
 * @returns A `#rrggbb` colour.
 * @throws TypeError when `name` is not a string.
 */
export function techniqueColor(name: string): string {
  checkName(name, 'technique');
  const t = normaliseTechnique(name);
  return t ? palette.technique[t] : hashedColor(slug(name));
}

/**
 * The legend label of a technique: the canonical label when known, else the name as given.
 *
 * @example techniqueLabel('ptq') // 'quantization'
 * @param name Technique name.
 * @returns The label.
 * @throws TypeError when `name` is not a string.
 */
export function techniqueLabel(name: string): string {
  checkName(name, 'technique');
  const t = normaliseTechnique(name);
  return t ? TECHNIQUE_LABELS[t] : name;
}

/**
 * The colour of a recurrent cell type; unknown names get a colour derived from the name.
 *
 * @example cellColor('gru') === palette.cell.GRU
 * @param name Cell name in any spelling accepted by {@link normaliseCell}.
 * @returns A `#rrggbb` colour.
 * @throws TypeError when `name` is not a string.
 */
export function cellColor(name: string): string {
  checkName(name, 'cell');
  const c = normaliseCell(name);
  return c ? palette.cell[c] : hashedColor(name.trim().toLowerCase());
}

/**
 * The colour of a storage format; unknown names get a colour derived from the name.
 *
 * @example formatColor('CSR') === palette.format.csr
 * @param name Format name in any spelling accepted by {@link normaliseFormat}.
 * @returns A `#rrggbb` colour.
 * @throws TypeError when `name` is not a string.
 */
export function formatColor(name: string): string {
  checkName(name, 'format');
  const f = normaliseFormat(name);
  return f ? palette.format[f] : hashedColor(name.trim().toLowerCase());
}

/**
 * The i-th colour of the categorical cycle, for series without a fixed colour.
 *
 * @example categoricalColor(0) === palette.categorical[0]
 * @param index Non-negative integer; wraps around after the last colour.
 * @returns A `#rrggbb` colour.
 * @throws RangeError when `index` is not a non-negative integer.
 */
export function categoricalColor(index: number): string {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`index must be a non-negative integer, got ${index}`);
  return palette.categorical[index % palette.categorical.length];
}

function parseHex(color: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) throw new RangeError(`color must be a #rrggbb string, got ${JSON.stringify(color)}`);
  const v = parseInt(m[1], 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/**
 * Lightens (towards white) or darkens (towards black) a colour, to tell apart variants of one
 * technique (e.g. symmetric and affine quantization) while keeping its hue.
 *
 * @example shade('#4e79a7', -0.3) // darker blue
 * @param color A `#rrggbb` colour.
 * @param amount In [-1, 1]: -1 is black, 0 unchanged, 1 white.
 * @returns A `#rrggbb` colour.
 * @throws RangeError when the colour is not `#rrggbb` or `amount` is outside [-1, 1].
 */
export function shade(color: string, amount: number): string {
  if (!(amount >= -1 && amount <= 1)) throw new RangeError(`amount must be in [-1, 1], got ${amount}`);
  const target = amount < 0 ? 0 : 255;
  const t = Math.abs(amount);
  const mix = parseHex(color).map((c) => Math.round(c + (target - c) * t));
  return `#${mix.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * A colour with transparency, for overlaid histograms and bands.
 *
 * @example withAlpha('#4e79a7', 0.5) // 'rgba(78,121,167,0.5)'
 * @param color A `#rrggbb` colour.
 * @param alpha Opacity in [0, 1].
 * @returns An `rgba(...)` colour string.
 * @throws RangeError when the colour is not `#rrggbb` or `alpha` is outside [0, 1].
 */
export function withAlpha(color: string, alpha: number): string {
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
  const [r, g, b] = parseHex(color);
  return `rgba(${r},${g},${b},${alpha})`;
}
