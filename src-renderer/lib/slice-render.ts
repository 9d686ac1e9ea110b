// Turning a slice of a scan (SliceView: values in the source's units) into pixels: the display window
// (width and level, DESIGN.md section 5), its presets, and the on-screen size that keeps the physical
// aspect ratio of non-square pixels. Pure; the Data view's slice viewer paints what these return.
import { WINDOW_PRESETS, windowBounds, type WindowPresetName } from '../../src-main/data/windows';

export { WINDOW_PRESETS, windowBounds };
export type { WindowPresetName };

/** A display window: values from level - width/2 (black) to level + width/2 (white). */
export interface DisplayWindow {
  width: number;
  level: number;
}

/** What the viewer's window buttons choose: a CT preset, the file's own window, the data's range, or typed values. */
export type WindowChoice = WindowPresetName | 'file' | 'range' | 'custom';

/** The window spanning a value range exactly (at least a tiny width, so a constant image stays finite). */
export function rangeWindow([lo, hi]: [number, number]): DisplayWindow {
  const width = Math.max(hi - lo, 1e-6);
  return { width, level: lo + width / 2 };
}

/** The window to start with: the file's own when it has one, otherwise the data's range. */
export function defaultWindowChoice(slice: { fileWindow?: { center: number; width: number } }): WindowChoice {
  return slice.fileWindow ? 'file' : 'range';
}

/** The window of a choice for a slice; 'custom' takes the typed one. Presets are CT windows (HU). */
export function resolveWindow(
  choice: WindowChoice,
  slice: { range: [number, number]; fileWindow?: { center: number; width: number } },
  custom: DisplayWindow,
): DisplayWindow {
  if (choice === 'custom') return custom;
  if (choice === 'range') return rangeWindow(slice.range);
  if (choice === 'file') return slice.fileWindow ? { width: slice.fileWindow.width, level: slice.fileWindow.center } : rangeWindow(slice.range);
  const preset = WINDOW_PRESETS.find((p) => p.name === choice)!;
  return { width: preset.width, level: preset.level };
}

/** The choices the viewer offers: CT presets only for HU, 'from file' only when the file has a window. */
export function windowChoices(units: 'HU' | 'stored', hasFileWindow: boolean): WindowChoice[] {
  return [...(units === 'HU' ? WINDOW_PRESETS.map((p) => p.name) : []), ...(hasFileWindow ? (['file'] as const) : []), 'range', 'custom'];
}

/**
 * RGBA pixels (width * height * 4) of a slice through a window: each value v becomes
 * round(255 * (v - low) / (high - low)), clipped to 0..255. One channel is grey; three or more are RGB
 * (the first three, each through the same window); two are grey plus an ignored alpha. NaN is black.
 */
export function windowToRgba(values: ArrayLike<number>, width: number, height: number, channels: number, w: DisplayWindow): Uint8ClampedArray<ArrayBuffer> {
  const n = width * height;
  if (values.length < n * channels) throw new Error(`a ${width}x${height} slice with ${channels} channel(s) needs ${n * channels} values, got ${values.length}`);
  const out = new Uint8ClampedArray(n * 4);
  const low = w.level - w.width / 2;
  const scale = 255 / Math.max(w.width, 1e-12);
  // NaN fails both comparisons below and lands on 0.
  const grey = (v: number) => (v > low ? Math.min(255, Math.round((v - low) * scale)) : 0);
  const rgb = channels >= 3;
  for (let i = 0; i < n; i++) {
    const at = i * channels;
    const r = grey(values[at]);
    out[i * 4] = r;
    out[i * 4 + 1] = rgb ? grey(values[at + 1]) : r;
    out[i * 4 + 2] = rgb ? grey(values[at + 2]) : r;
    out[i * 4 + 3] = 255;
  }
  return out;
}

/**
 * The size on screen of a slice of width x height pixels of `pixelSpacing` mm ([along width, along
 * height]): the physical aspect ratio (width * sx) / (height * sy), as large as fits in maxWidth x
 * maxHeight. Spacings that are not positive numbers count as 1 mm.
 */
export function displaySize(width: number, height: number, pixelSpacing: [number, number], maxWidth: number, maxHeight: number): { width: number; height: number } {
  const ok = (s: number) => (Number.isFinite(s) && s > 0 ? s : 1);
  const physW = width * ok(pixelSpacing[0]);
  const physH = height * ok(pixelSpacing[1]);
  const scale = Math.min(maxWidth / physW, maxHeight / physH);
  return { width: Math.max(1, Math.round(physW * scale)), height: Math.max(1, Math.round(physH * scale)) };
}

/** Human text of a window: "W 1500 / L -600". */
export function windowText(w: DisplayWindow): string {
  const fmt = (v: number) => (Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toPrecision(3));
  return `W ${fmt(w.width)} / L ${fmt(w.level)}`;
}
