/** Plain-text table with columns padded to their widest cell. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Short, exact rendering of a hyper-parameter: 0.001 → 1e-3, 100 → 100. */
export function formatNumber(value: number): string {
  if (value !== 0 && (Math.abs(value) < 1e-2 || Math.abs(value) >= 1e5))
    return value.toExponential().replace('e+', 'e');
  return String(value);
}
