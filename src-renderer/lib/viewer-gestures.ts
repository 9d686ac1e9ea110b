// What the slice viewer's mouse does, as pure geometry: the wheel moves through slices, a left drag changes
// the display window (horizontal: width, vertical: level, as in CT viewers), ctrl+wheel or the buttons zoom
// about the cursor, a right or shift drag pans, and the pointer's canvas position maps back to the voxel
// under it (whose value the viewer shows).
import type { DisplayWindow } from './slice-render';

/** Zoom and pan of the picture on its canvas: canvas = picture * zoom + pan (canvas pixels). */
export interface ViewTransform {
  zoom: number;
  panX: number;
  panY: number;
}

export const IDENTITY_VIEW: ViewTransform = { zoom: 1, panX: 0, panY: 0 };
export const ZOOM_LIMITS: [number, number] = [1, 16];

/** The next slice index after a wheel turn of `deltaY` (down: next slice), clamped to 0..count-1. */
export function wheelSlice(index: number, count: number, deltaY: number): number {
  if (deltaY === 0) return index;
  return Math.min(count - 1, Math.max(0, index + Math.sign(deltaY)));
}

/**
 * The window after dragging by (dx, dy) canvas pixels from `start`: right widens, left narrows; down raises
 * the level, up lowers it. `span` (the case's value range) sets the step, so that a drag across a 500 px
 * canvas covers the whole range whatever the units.
 */
export function dragWindow(start: DisplayWindow, dx: number, dy: number, span: number): DisplayWindow {
  const step = Math.max(span, 1e-6) / 500;
  return { width: Math.max(step, start.width + dx * step), level: start.level + dy * step };
}

/** Zooms by `factor` about the canvas point (cx, cy), which stays where it is; zoom stays within ZOOM_LIMITS. */
export function zoomAt(v: ViewTransform, factor: number, cx: number, cy: number): ViewTransform {
  const zoom = Math.min(ZOOM_LIMITS[1], Math.max(ZOOM_LIMITS[0], v.zoom * factor));
  const k = zoom / v.zoom;
  if (zoom === 1) return { ...IDENTITY_VIEW };
  return { zoom, panX: cx - (cx - v.panX) * k, panY: cy - (cy - v.panY) * k };
}

/** The slice pixel (column, row) under canvas point (cx, cy), or null outside the picture. */
export function pixelUnder(cx: number, cy: number, v: ViewTransform, canvasSize: { width: number; height: number }, slice: { width: number; height: number }): { x: number; y: number } | null {
  const px = (cx - v.panX) / v.zoom;
  const py = (cy - v.panY) / v.zoom;
  const x = Math.floor((px / canvasSize.width) * slice.width);
  const y = Math.floor((py / canvasSize.height) * slice.height);
  return x >= 0 && y >= 0 && x < slice.width && y < slice.height ? { x, y } : null;
}
