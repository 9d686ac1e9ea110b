// The run report's figures as inline SVG and PNG data URLs: no script, no network, so the report is one
// self-contained file that any browser (or Chromium's PDF printer) shows the same. Pure functions of numbers.
import { encode } from 'fast-png';

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Colours of the model series (colour-blind safe, Okabe-Ito). */
export const SERIES_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'];

/** ROC points (false positive rate, true positive rate) of scores for the positive class, threshold from high to low. */
export function rocPoints(scores: ArrayLike<number>, positive: ArrayLike<boolean>): [number, number][] {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const nPos = Array.from(positive).filter(Boolean).length;
  const nNeg = scores.length - nPos;
  if (nPos === 0 || nNeg === 0) return [];
  const pts: [number, number][] = [[0, 0]];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < idx.length; ) {
    // Tied scores move together: one diagonal step.
    let j = i;
    while (j < idx.length && scores[idx[j]] === scores[idx[i]]) {
      if (positive[idx[j]]) tp++;
      else fp++;
      j++;
    }
    pts.push([fp / nNeg, tp / nPos]);
    i = j;
  }
  return pts;
}

interface Series {
  name: string;
  points: [number, number][];
  dashed?: boolean;
}

/** A line chart with axes, ticks and a legend. */
export function lineChart(series: Series[], o: { width?: number; height?: number; xLabel: string; yLabel: string; xRange?: [number, number]; yRange?: [number, number]; diagonal?: boolean; title: string }): string {
  const W = o.width ?? 420;
  const H = o.height ?? 300;
  const m = { l: 48, r: 12, t: 24, b: 40 };
  const all = series.flatMap((s) => s.points);
  const xr = o.xRange ?? [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const yr = o.yRange ?? [Math.min(0, ...all.map((p) => p[1])), Math.max(...all.map((p) => p[1])) * 1.05 || 1];
  const sx = (x: number) => m.l + ((x - xr[0]) / (xr[1] - xr[0] || 1)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((y - yr[0]) / (yr[1] - yr[0] || 1)) * (H - m.t - m.b);
  const ticks = (r: [number, number]) => Array.from({ length: 6 }, (_, i) => r[0] + ((r[1] - r[0]) * i) / 5);
  const fmt = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2));
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.title)}" font-family="sans-serif" font-size="10">`];
  parts.push(`<text x="${W / 2}" y="14" text-anchor="middle" font-size="12" font-weight="bold">${esc(o.title)}</text>`);
  for (const t of ticks(xr)) parts.push(`<line x1="${sx(t)}" y1="${H - m.b}" x2="${sx(t)}" y2="${H - m.b + 4}" stroke="#444"/><text x="${sx(t)}" y="${H - m.b + 14}" text-anchor="middle">${fmt(t)}</text>`);
  for (const t of ticks(yr)) parts.push(`<line x1="${m.l - 4}" y1="${sy(t)}" x2="${W - m.r}" y2="${sy(t)}" stroke="#ddd"/><text x="${m.l - 6}" y="${sy(t) + 3}" text-anchor="end">${fmt(t)}</text>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">${esc(o.xLabel)}</text><text transform="translate(12 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  if (o.diagonal) parts.push(`<line x1="${sx(xr[0])}" y1="${sy(yr[0])}" x2="${sx(xr[1])}" y2="${sy(yr[1])}" stroke="#999" stroke-dasharray="3 3"/>`);
  series.forEach((s, i) => {
    const c = SERIES_COLOURS[i % SERIES_COLOURS.length];
    const d = s.points.map((p, k) => `${k ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    parts.push(`<line x1="${m.l + 8}" y1="${m.t + 10 + i * 13}" x2="${m.l + 24}" y2="${m.t + 10 + i * 13}" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/><text x="${m.l + 28}" y="${m.t + 13 + i * 13}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** A grey image (values 0..1, row-major h x w) as a PNG data URL, scaled up by `scale` (nearest neighbour). */
export function greyPngDataUrl(values: ArrayLike<number>, w: number, h: number, scale = 1): string {
  const W = w * scale;
  const H = h * scale;
  const data = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = Math.round(255 * Math.min(1, Math.max(0, values[Math.floor(y / scale) * w + Math.floor(x / scale)])));
  const png = encode({ width: W, height: H, data, channels: 1, depth: 8 });
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}
