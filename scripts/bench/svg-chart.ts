/** A small dependency-free SVG line chart for benchmark results (docs/benchmarks/*.svg). */
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
  /** Plotted against the right-hand axis. */
  readonly right?: boolean;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly yRightLabel?: string;
  readonly series: readonly Series[];
}

const W = 760;
const H = 380;
const M = { top: 40, right: 70, bottom: 50, left: 70 };

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((v) => v >= value) ?? 10 * magnitude;
}

export function lineChart(options: ChartOptions): string {
  const all = options.series.flatMap((s) => s.points);
  const xMax = niceMax(Math.max(...all.map((p) => p.x)));
  const yMax = niceMax(Math.max(...options.series.filter((s) => s.right !== true).flatMap((s) => s.points.map((p) => p.y))));
  const yRightMax = niceMax(Math.max(0, ...options.series.filter((s) => s.right === true).flatMap((s) => s.points.map((p) => p.y))));
  const px = (x: number): number => M.left + (x / xMax) * (W - M.left - M.right);
  const py = (y: number, right = false): number => H - M.bottom - (y / (right ? yRightMax : yMax)) * (H - M.top - M.bottom);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${options.title}</text>`,
    ...ticks.map((t) => `<line x1="${M.left}" x2="${W - M.right}" y1="${py(t * yMax)}" y2="${py(t * yMax)}" stroke="#ddd"/><text x="${M.left - 6}" y="${py(t * yMax) + 4}" text-anchor="end">${Math.round(t * yMax)}</text>`),
    ...ticks.map((t) => `<text x="${px(t * xMax)}" y="${H - M.bottom + 18}" text-anchor="middle">${Math.round(t * xMax)}</text>`),
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="black"/>`,
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle">${options.xLabel}</text>`,
    `<text transform="translate(18 ${H / 2}) rotate(-90)" text-anchor="middle">${options.yLabel}</text>`,
  ];
  if (options.yRightLabel !== undefined) {
    parts.push(...ticks.map((t) => `<text x="${W - M.right + 6}" y="${py(t * yRightMax, true) + 4}">${Math.round(t * yRightMax)}</text>`));
    parts.push(`<text transform="translate(${W - 16} ${H / 2}) rotate(90)" text-anchor="middle">${options.yRightLabel}</text>`);
  }
  options.series.forEach((series, i) => {
    const d = series.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y, series.right).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${series.color}" stroke-width="2"/>`);
    parts.push(`<rect x="${M.left + 10}" y="${M.top + 4 + i * 16}" width="12" height="3" fill="${series.color}"/><text x="${M.left + 28}" y="${M.top + 10 + i * 16}">${series.name}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
