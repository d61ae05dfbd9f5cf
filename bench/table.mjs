// Markdown tables and number formatting for the report (printed to stdout and written to bench/results/).

/** A GitHub-flavoured markdown table; columns whose header starts with '>' are right-aligned. */
export function table(headers, rows) {
  const right = headers.map((h) => h.startsWith('>'));
  const heads = headers.map((h) => (h.startsWith('>') ? h.slice(1) : h));
  // A '|' inside a cell (an error message, say) would split it: escape it.
  const cells = rows.map((r) => r.map((c) => (c === undefined || c === null ? '—' : String(c).replace(/\|/g, '\\|'))));
  const widths = heads.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length), 3));
  const pad = (s, i) => (right[i] ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const line = (r) => `| ${r.map((c, i) => pad(c ?? '', i)).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(heads), sep, ...cells.map(line)].join('\n');
}

/** A number with `digits` significant figures, grouped thousands above 1000. */
export function num(x, digits = 3) {
  if (x === undefined || x === null || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a === 0) return '0';
  return Number(x.toPrecision(digits)).toString();
}

export function fixed(x, d = 2) {
  if (x === undefined || x === null || !Number.isFinite(x)) return '—';
  return x.toFixed(d);
}

/** A ratio as "1.23×", or '—' when either side is missing. */
export function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '—';
  return `${num(a / b, 3)}×`;
}

export function secs(ms) {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '—';
}
