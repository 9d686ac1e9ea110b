// The pixels of the Inspect view's confidence map: one slice of the preprocessed input (0..1 grey, or RGB
// for three channels) with each voxel tinted by the colour of the subdomain that owns it (lib/layout.ts),
// blended at the chosen opacity and magnified by a whole factor. Computed here as plain RGBA bytes, so the
// canvas shows exactly these values (no smoothing) and the same case always paints the same pixels.
import type { Rgb } from './colors';
import { partitionOf, type BoxLike } from './layout';

export interface SliceImage {
  width: number;
  height: number;
  /** RGBA, row by row: what ImageData takes. */
  data: Uint8ClampedArray;
}

export interface PaintInput {
  /** The preprocessed input, (D,)H,W,C channel-last, 0..1. */
  values: ArrayLike<number>;
  shape: number[];
  channels: number;
  /** The slice along D (ignored for images). */
  slice: number;
  /** Whole-number magnification (>= 1). */
  scale: number;
  boxes: BoxLike[];
  /** The tint of each box (same order as boxes); null leaves its voxels untinted. */
  colors: (Rgb | null)[];
  /** 0: the input only; 1: the tint only. */
  opacity: number;
}

/** A magnification that makes the canvas about `target` pixels on its longer side (1..16). */
export function magnification(shape: number[], target = 336): number {
  const [h, w] = shape.slice(-2);
  return Math.max(1, Math.min(16, Math.round(target / Math.max(h, w))));
}

const byte = (v: number) => Math.max(0, Math.min(255, Math.round(v * 255)));

export function paintSlice(input: PaintInput): SliceImage {
  const { values, shape, channels, scale, boxes, colors } = input;
  const d3 = shape.length === 3;
  const [h, w] = shape.slice(-2);
  const z = d3 ? Math.max(0, Math.min(shape[0] - 1, Math.floor(input.slice))) : 0;
  const alpha = Math.max(0, Math.min(1, input.opacity));
  const p = partitionOf(boxes, shape);
  const zCell = d3 ? p.cellAt[0][z] : -1;
  // The owner of every (row cell, column cell) of this slice's layer, looked up once.
  const nY = p.cuts[d3 ? 1 : 0].length - 1;
  const nX = p.cuts[d3 ? 2 : 1].length - 1;
  const owners = new Int32Array(nY * nX).fill(-1);
  for (let cy = 0; cy < nY; cy++) {
    for (let cx = 0; cx < nX; cx++) owners[cy * nX + cx] = p.boxOfCell.get((d3 ? [zCell, cy, cx] : [cy, cx]).join(',')) ?? -1;
  }
  const xCells = p.cellAt[d3 ? 2 : 1];
  const s = Math.max(1, Math.floor(scale));
  const width = w * s;
  const height = h * s;
  const data = new Uint8ClampedArray(width * height * 4);
  const rgb: [number, number, number] = [0, 0, 0];
  for (let y = 0; y < h; y++) {
    const yCell = p.cellAt[d3 ? 1 : 0][y];
    for (let x = 0; x < w; x++) {
      const at = ((z * h + y) * w + x) * channels;
      if (channels === 3) {
        for (let c = 0; c < 3; c++) rgb[c] = byte(values[at + c]);
      } else {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += values[at + c];
        rgb[0] = rgb[1] = rgb[2] = byte(sum / channels);
      }
      const owner = owners[yCell * nX + xCells[x]];
      const tint = owner < 0 ? null : colors[owner];
      if (tint && alpha > 0) for (let c = 0; c < 3; c++) rgb[c] = Math.round(rgb[c] * (1 - alpha) + tint[c] * alpha);
      for (let dy = 0; dy < s; dy++) {
        let o = ((y * s + dy) * width + x * s) * 4;
        for (let dx = 0; dx < s; dx++, o += 4) {
          data[o] = rgb[0];
          data[o + 1] = rgb[1];
          data[o + 2] = rgb[2];
          data[o + 3] = 255;
        }
      }
    }
  }
  return { width, height, data };
}
