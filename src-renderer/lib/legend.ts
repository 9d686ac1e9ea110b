// Legends of the colour scales: a domain that fits the data at round numbers, ticks at round steps, and
// the gradient stops an SVG legend draws. Pure, so the legend and the painted colours cannot disagree.
import { rgbCss, type ColorScale } from './colors';

/** The round step (1, 2, 2.5 or 5 times a power of ten) that gives at most maxTicks ticks over span. */
export function niceStep(span: number, maxTicks: number): number {
  if (!(span > 0) || maxTicks < 2) return span > 0 ? span : 1;
  const raw = span / (maxTicks - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= raw - 1e-12) return m * power;
  return 10 * power;
}

/** Ticks at multiples of a round step inside [min, max], ends included when they fall on the step. */
export function niceTicks(min: number, max: number, maxTicks = 5): number[] {
  if (!(max > min)) return [min];
  const step = niceStep(max - min, maxTicks);
  const first = Math.ceil(min / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/**
 * The domain of a colour scale for some values: widened outwards to multiples of `step` and clamped to
 * [lo, hi], never empty. Local accuracies often sit in a narrow band (0.78..0.86); a 0..1 scale would
 * paint them all alike.
 */
export function niceDomain(values: number[], step = 0.05, lo = 0, hi = 1): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [lo, hi];
  let min = Math.max(lo, Math.floor(Math.min(...finite) / step + 1e-9) * step);
  let max = Math.min(hi, Math.ceil(Math.max(...finite) / step - 1e-9) * step);
  if (max - min < step) {
    if (max + step <= hi) max += step;
    else min = Math.max(lo, min - step);
  }
  return [Number(min.toFixed(10)), Number(max.toFixed(10))];
}

export interface LegendTick {
  value: number;
  /** 0..1 along the legend bar, from its low end. */
  position: number;
  label: string;
}

export interface Legend {
  /** Gradient stops for an SVG <linearGradient> from the low to the high end. */
  stops: { offset: number; color: string }[];
  ticks: LegendTick[];
}

/** The legend of a scale: `samples` gradient stops (the scale interpolates in between) and round ticks. */
export function legendFor(scale: ColorScale, format: (v: number) => string, maxTicks = 5, samples = 11): Legend {
  const stops = Array.from({ length: samples }, (_, i) => {
    const offset = i / (samples - 1);
    return { offset, color: rgbCss(scale.color(scale.min + offset * (scale.max - scale.min))) };
  });
  const ticks = niceTicks(scale.min, scale.max, maxTicks).map((value) => ({ value, position: scale.position(value), label: format(value) }));
  return { stops, ticks };
}
