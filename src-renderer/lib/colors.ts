// Colour scales of the Results and Inspect views: a perceptually ordered, colour-blind-safe sequential map
// (viridis) for accuracies and confidences, a text colour that stays readable on any of its colours, and
// the Okabe-Ito palette for curves. Pure functions: the same value always paints the same pixel.

export type Rgb = [number, number, number];

/**
 * Matplotlib's viridis at 0, 0.1, ..., 1 (the published 11-step samples). Linear interpolation between
 * neighbouring stops keeps the map monotone in lightness, so a brighter cell always means a higher value.
 */
export const VIRIDIS_STOPS: readonly string[] = [
  '#440154', '#482475', '#414487', '#355f8d', '#2a788e', '#21918c', '#22a884', '#44bf70', '#7ad151', '#bddf26', '#fde725',
];

export function hexToRgb(hex: string): Rgb {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/** ColorBrewer's 9-class Blues, light to dark: the shading of confusion-matrix cells behind dark text. */
export const BLUES_STOPS: readonly string[] = ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'];

/** Linear interpolation between evenly spaced colour stops; t is clamped to 0..1 (NaN: the first stop). */
export function interpolateStops(stops: readonly Rgb[], t: number): Rgb {
  const v = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const pos = v * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as Rgb;
}

const VIRIDIS_RGB: Rgb[] = VIRIDIS_STOPS.map(hexToRgb);
const BLUES_RGB: Rgb[] = BLUES_STOPS.map(hexToRgb);

/** The viridis colour of t in 0..1, as whole 0..255 channels. */
export function viridis(t: number): Rgb {
  return interpolateStops(VIRIDIS_RGB, t);
}

/** The Blues colour of t in 0..1. */
export function blues(t: number): Rgb {
  return interpolateStops(BLUES_RGB, t);
}

/** A sequential scale over a domain: value -> colour, with its domain kept for the legend. */
export interface ColorScale {
  min: number;
  max: number;
  /** 0..1 position of a value in the domain (clamped). */
  position(value: number): number;
  color(value: number): Rgb;
}

export function sequentialScale(min: number, max: number, map: (t: number) => Rgb = viridis): ColorScale {
  if (!(max > min)) throw new Error(`a colour scale needs min < max, got ${min}..${max}`);
  const position = (value: number) => Math.min(1, Math.max(0, (value - min) / (max - min)));
  return { min, max, position, color: (value) => map(position(value)) };
}

export function rgbCss([r, g, b]: Rgb, alpha?: number): string {
  return alpha === undefined ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** WCAG relative luminance of an sRGB colour (0 black .. 1 white). */
export function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast ratio of two colours (1..21). */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** Black or white, whichever contrasts more with the background: labels written on scale colours. */
export function textColorOn(background: Rgb): '#000000' | '#ffffff' {
  return contrastRatio(background, [0, 0, 0]) >= contrastRatio(background, [255, 255, 255]) ? '#000000' : '#ffffff';
}

/** Okabe & Ito's palette, distinguishable with the common colour-vision deficiencies: the curves' colours. */
export const OKABE_ITO = {
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  bluishGreen: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  reddishPurple: '#CC79A7',
  black: '#000000',
} as const;
