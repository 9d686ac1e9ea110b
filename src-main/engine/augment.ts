// Data augmentation of training inputs: seeded, reproducible random shifts, flips, small in-plane rotations
// and intensity jitter. A sample's transform depends only on the run's seed, the epoch and the sample's
// index, never on the model, and is defined on the coordinates of the whole input: every model (each local
// model on its own subdomain, the global model on all of it) sees the same moved anatomy, as if the whole
// input had been transformed first and cropped afterwards. A local model therefore needs a little more than
// its own box (the margin a shift or rotation can bring in), which `augmentRegion` gives.
import seedrandom from 'seedrandom';
import type { Box } from './types';

export interface AugmentSettings {
  /** Largest shift along every spatial axis, in voxels (integers, drawn uniformly in -shift..shift). */
  shift: number;
  /** Spatial axes (indices into the spatial shape) that may be mirrored, each with probability 1/2. */
  flipAxes: number[];
  /** Largest rotation in the plane of the last two spatial axes, in degrees (0: none). */
  rotateDegrees: number;
  /** Intensity jitter: values v become v * (1 + a) + b with a, b drawn uniformly in -jitter..jitter. */
  intensityJitter: number;
}

export type AugmentPreset = 'none' | 'light' | 'strong';

/**
 * The presets. No flips by default: left and right are anatomically meaningful in CT, and digits or letters
 * change meaning when mirrored; the user allows the axes that may flip. Rotations for 2D images only (in a
 * volume the slice spacing makes an in-plane rotation a different thing from a rotated patient).
 */
export function augmentPreset(preset: AugmentPreset, dims: number): AugmentSettings {
  switch (preset) {
    case 'none':
      return { shift: 0, flipAxes: [], rotateDegrees: 0, intensityJitter: 0 };
    case 'light':
      return { shift: 2, flipAxes: [], rotateDegrees: dims === 2 ? 8 : 0, intensityJitter: 0.05 };
    case 'strong':
      return { shift: 4, flipAxes: [], rotateDegrees: dims === 2 ? 15 : 0, intensityJitter: 0.1 };
  }
}

export function augments(s: AugmentSettings | undefined): s is AugmentSettings {
  return !!s && (s.shift > 0 || s.flipAxes.length > 0 || s.rotateDegrees > 0 || s.intensityJitter > 0);
}

/** One sample's transform, drawn once per sample and epoch. */
export interface SampleTransform {
  shift: number[];
  flip: boolean[];
  /** Radians, in the plane of the last two spatial axes. */
  angle: number;
  scale: number;
  offset: number;
}

/** The transform of sample `index` in `epoch`: a pure function of the seed, the epoch and the index. */
export function sampleTransform(s: AugmentSettings, rank: number, seed: number, epoch: number, index: number): SampleTransform {
  const rng = seedrandom(`augment:${seed}:${epoch}:${index}`);
  const uniform = (m: number) => (2 * rng() - 1) * m;
  const shift = Array.from({ length: rank }, () => Math.round(uniform(s.shift + 0.499)));
  const flip = Array.from({ length: rank }, (_, a) => s.flipAxes.includes(a) && rng() < 0.5);
  const angle = (uniform(s.rotateDegrees) * Math.PI) / 180;
  return { shift, flip, angle, scale: 1 + uniform(s.intensityJitter), offset: uniform(s.intensityJitter) };
}

/**
 * The part of the whole input that a box's augmented crop can read from: the box grown by the largest shift
 * and rotation displacement, mirrored where an axis may flip, clipped to the input.
 */
export function augmentRegion(s: AugmentSettings, box: Box, shape: number[]): Box {
  const rank = shape.length;
  // A rotation by at most t about the centre moves a point at most |p - c| * t; bounded by the half diagonal
  // of the rotated plane, plus one voxel for the interpolation's neighbour.
  const plane = shape.slice(rank - 2);
  const halfDiagonal = Math.hypot(...plane.map((d) => d / 2));
  const rotation = s.rotateDegrees > 0 ? Math.ceil((halfDiagonal * s.rotateDegrees * Math.PI) / 180) + 1 : 0;
  const start: number[] = [];
  const end: number[] = [];
  for (let a = 0; a < rank; a++) {
    const m = s.shift + (a >= rank - 2 ? rotation : 0);
    let lo = box.start[a] - m;
    let hi = box.end[a] + m;
    if (s.flipAxes.includes(a)) {
      lo = Math.min(lo, shape[a] - box.end[a] - m);
      hi = Math.max(hi, shape[a] - box.start[a] + m);
    }
    start.push(Math.max(0, lo));
    end.push(Math.min(shape[a], hi));
  }
  return { start, end };
}

/** Where a region's samples are stored: values of `region` of inputs of spatial shape `shape`, channel-last. */
export interface RegionData {
  x: Float32Array;
  region: Box;
  shape: number[];
  channels: number;
}

/**
 * Writes the augmented crop `box` of sample `index` into dst at dstOffset. The value at a position p of the
 * whole input is the source value at the inverse transform of p (undo the shift, the flip, then the
 * rotation about the centre), bilinear in the rotated plane, 0 outside the input; then the intensity jitter.
 */
export function augmentCropInto(src: RegionData, index: number, box: Box, t: SampleTransform, dst: Float32Array, dstOffset: number): void {
  const { shape, region, channels } = src;
  const rank = shape.length;
  const rShape = region.start.map((s, a) => region.end[a] - s);
  const rStrides = new Array<number>(rank);
  let stride = channels;
  for (let a = rank - 1; a >= 0; a--) {
    rStrides[a] = stride;
    stride *= rShape[a];
  }
  const base = index * stride;
  const size = box.start.map((s, a) => box.end[a] - s);
  const count = size.reduce((p, d) => p * d, 1);
  const cos = Math.cos(t.angle);
  const sin = Math.sin(t.angle);
  const u = rank - 2;
  const v = rank - 1;
  const cu = (shape[u] - 1) / 2;
  const cv = (shape[v] - 1) / 2;
  const p = new Array<number>(rank);
  const q = new Array<number>(rank);
  const pos = new Array<number>(rank).fill(0);
  let d = dstOffset;

  // The value of channel c at integer source position q (whole-input coordinates); 0 outside the input.
  const at = (qq: number[], c: number): number => {
    let off = base + c;
    for (let a = 0; a < rank; a++) {
      const r = qq[a] - region.start[a];
      if (qq[a] < 0 || qq[a] >= shape[a] || r < 0 || r >= rShape[a]) return 0;
      off += r * rStrides[a];
    }
    return src.x[off];
  };

  for (let i = 0; i < count; i++) {
    for (let a = 0; a < rank; a++) {
      const back = box.start[a] + pos[a] - t.shift[a];
      p[a] = t.flip[a] ? shape[a] - 1 - back : back;
    }
    if (t.angle === 0) {
      for (let c = 0; c < channels; c++) dst[d++] = at(p, c) * t.scale + t.offset;
    } else {
      const du = p[u] - cu;
      const dv = p[v] - cv;
      const su = cos * du + sin * dv + cu;
      const sv = -sin * du + cos * dv + cv;
      const u0 = Math.floor(su);
      const v0 = Math.floor(sv);
      const fu = su - u0;
      const fv = sv - v0;
      for (let a = 0; a < u; a++) q[a] = p[a];
      for (let c = 0; c < channels; c++) {
        q[u] = u0;
        q[v] = v0;
        const a00 = at(q, c);
        q[v] = v0 + 1;
        const a01 = at(q, c);
        q[u] = u0 + 1;
        const a11 = at(q, c);
        q[v] = v0;
        const a10 = at(q, c);
        const value = (1 - fu) * ((1 - fv) * a00 + fv * a01) + fu * ((1 - fv) * a10 + fv * a11);
        dst[d++] = value * t.scale + t.offset;
      }
    }
    for (let a = rank - 1; a >= 0; a--) {
      if (++pos[a] < size[a]) break;
      pos[a] = 0;
    }
  }
}
