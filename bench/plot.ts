// A tiny SVG line-plot writer, so the bench can draw its own figures without a plotting package.
// Linear or log10 axes, "nice" ticks, one colour per series, a legend; nothing else.

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface PlotSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly logX?: boolean;
  readonly logY?: boolean;
}

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { left: 72, right: 150, top: 36, bottom: 52 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function format(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${+(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e3) return `${+(value / 1e3).toPrecision(3)}k`;
  return `${+value.toPrecision(3)}`;
}

function linearTicks(min: number, max: number): number[] {
  const span = max - min || 1;
  const raw = span / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) ticks.push(10 ** e);
  return ticks;
}

interface Axis {
  readonly ticks: number[];
  readonly scale: (value: number) => number;
}

function axis(values: number[], log: boolean, from: number, to: number): Axis {
  const usable = log ? values.filter((v) => v > 0) : values;
  let min = Math.min(...usable);
  let max = Math.max(...usable);
  if (!log) min = Math.min(0, min);
  if (min === max) max = min + 1;
  const ticks = log ? logTicks(min, max) : linearTicks(min, max);
  const lo = log ? Math.min(ticks[0]!, min) : Math.min(ticks[0]!, min);
  const hi = log ? Math.max(ticks[ticks.length - 1]!, max) : Math.max(ticks[ticks.length - 1]!, max);
  const f = log ? Math.log10 : (v: number): number => v;
  return { ticks, scale: (v) => from + ((f(v) - f(lo)) / (f(hi) - f(lo) || 1)) * (to - from) };
}

export function linePlot(spec: PlotSpec): string {
  const points = spec.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const x = axis(points.map((p) => p[0]), spec.logX === true, MARGIN.left, WIDTH - MARGIN.right);
  const y = axis(points.map((p) => p[1]), spec.logY === true, HEIGHT - MARGIN.bottom, MARGIN.top);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escape(spec.title)}</text>`,
  ];
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  const top = MARGIN.top;
  const bottom = HEIGHT - MARGIN.bottom;
  for (const t of x.ticks) {
    const px = x.scale(t);
    if (px < left - 0.5 || px > right + 0.5) continue;
    out.push(`<line x1="${px}" y1="${top}" x2="${px}" y2="${bottom}" stroke="#eee"/>`);
    out.push(`<text x="${px}" y="${bottom + 16}" text-anchor="middle">${format(t)}</text>`);
  }
  for (const t of y.ticks) {
    const py = y.scale(t);
    if (py < top - 0.5 || py > bottom + 0.5) continue;
    out.push(`<line x1="${left}" y1="${py}" x2="${right}" y2="${py}" stroke="#eee"/>`);
    out.push(`<text x="${left - 6}" y="${py + 4}" text-anchor="end">${format(t)}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(left + right) / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escape(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(spec.yLabel)}</text>`);
  spec.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const usable = series.points.filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py) && (!spec.logY || py > 0) && (!spec.logX || px > 0));
    const path = usable.map(([px, py]) => `${x.scale(px).toFixed(1)},${y.scale(py).toFixed(1)}`).join(' ');
    if (usable.length > 1) out.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const [px, py] of usable) out.push(`<circle cx="${x.scale(px).toFixed(1)}" cy="${y.scale(py).toFixed(1)}" r="3" fill="${colour}"/>`);
    const ly = top + 10 + i * 18;
    out.push(`<line x1="${right + 12}" y1="${ly}" x2="${right + 32}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${right + 38}" y="${ly + 4}">${escape(series.name)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
