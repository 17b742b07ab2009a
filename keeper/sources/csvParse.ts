/** One parsed CSV record with its 1-based line number. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

/**
 * Minimal RFC 4180 reader: comma-separated, optional double quotes ("" escapes a quote), CRLF or LF,
 * blank lines and lines starting with '#' skipped. An unterminated quote ends the record at end of input
 * and is reported by `errors` (never a throw).
 */
export function parseCsv(text: string): { records: CsvRecord[]; errors: string[] } {
  const records: CsvRecord[] = [];
  const errors: string[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    if (text[i] === "#") {
      while (i < n && text[i] !== "\n") i++;
      i++;
      line++;
      continue;
    }
    const fields: string[] = [];
    let field = "";
    let quoted = false;
    let done = false;
    while (i < n && !done) {
      const c = text[i] as string;
      if (quoted) {
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            quoted = false;
            i++;
          }
        } else {
          if (c === "\n") line++;
          field += c;
          i++;
        }
      } else if (c === '"' && field.length === 0) {
        quoted = true;
        i++;
      } else if (c === ",") {
        fields.push(field);
        field = "";
        i++;
      } else if (c === "\n" || c === "\r") {
        if (c === "\r" && text[i + 1] === "\n") i++;
        i++;
        line++;
        done = true;
      } else {
        field += c;
        i++;
      }
    }
    if (quoted) errors.push(`line ${startLine}: unterminated quoted field`);
    fields.push(field);
    if (fields.length === 1 && fields[0] === "") continue; // blank line
    records.push({ line: startLine, fields });
  }
  return { records, errors };
}
