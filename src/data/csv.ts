/**
 * A small CSV reader (RFC 4180: comma separator, double-quoted fields with `""` for a quote, LF or
 * CRLF line ends) that keeps line numbers so that data errors can point at the offending line.
 */

/** A parsed CSV table; every row has as many fields as the header. */
export interface CsvTable {
  header: string[];
  rows: string[][];
  /** 1-based line number in the file where each row starts (the header is line 1). */
  lines: number[];
}

/**
 * Parses CSV text. Blank lines are skipped; a byte-order mark is ignored.
 *
 * @example parseCsv('a,b\n1,"x,y"\n', 'demo.csv') // { header: ['a', 'b'], rows: [['1', 'x,y']], lines: [2] }
 * @param text The file contents.
 * @param name File name used in error messages.
 * @returns Header, rows and their line numbers.
 * @throws Error naming the file and line when the text is empty, a quote is not closed, a quote
 *   appears inside an unquoted field, or a row's field count differs from the header's.
 */
export function parseCsv(text: string, name: string): CsvTable {
  const records: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let fieldStarted = false;
  const endRecord = (): void => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '' && !fieldStarted)) records.push({ fields, line: recordLine });
    fields = [];
    field = '';
    fieldStarted = false;
  };
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"') {
      if (field !== '') throw new Error(`${name} line ${line}: a quote may only open a field, got ${JSON.stringify(field + ch)}`);
      quoted = true;
      fieldStarted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
      fieldStarted = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += ch;
      fieldStarted = true;
    }
    i++;
  }
  if (quoted) throw new Error(`${name} line ${recordLine}: a quoted field must be closed, got end of file`);
  if (field !== '' || fields.length > 0 || fieldStarted) endRecord();
  if (records.length === 0) throw new Error(`${name}: CSV must have a header line, got an empty file`);
  const [head, ...body] = records;
  for (const r of body) {
    if (r.fields.length !== head.fields.length) {
      throw new Error(`${name} line ${r.line}: rows must have ${head.fields.length} fields like the header, got ${r.fields.length}`);
    }
  }
  return { header: head.fields.map((h) => h.trim()), rows: body.map((r) => r.fields), lines: body.map((r) => r.line) };
}
