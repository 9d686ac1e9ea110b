// One 2D slice of a volume laid out [D][H][W][C] (C fastest), as the Data view shows it. Pure.
//
// Orientation on screen follows the radiological convention for volumes in canonical LPS+ index axes
// (src-main/data/volume.ts): axial slices as stored (row 0 anterior, column 0 the patient's right, shown
// on the viewer's left); coronal and sagittal slices with superior at the top, so their rows run from the
// last slice (D - 1) down to the first.

export type SliceAxis = 'axial' | 'coronal' | 'sagittal';

export interface Slice {
  width: number;
  height: number;
  /** Slices along the axis. */
  count: number;
  /** width * height * channels values, row by row. */
  values: Float32Array;
  /** mm per pixel along width and height. */
  pixelSpacing: [number, number];
}

/**
 * The slice `index` along `axis` of a volume of shape [D, H, W] with `channels` values per voxel and voxel
 * size `spacing` ([D, H, W] in mm). Throws a RangeError for an index outside 0..count-1.
 */
export function extractSlice(data: ArrayLike<number>, shape: [number, number, number], channels: number, spacing: [number, number, number], axis: SliceAxis, index: number): Slice {
  const [D, H, W] = shape;
  const count = axis === 'axial' ? D : axis === 'coronal' ? H : W;
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new RangeError(`slice ${index} is out of range: the ${axis} axis has ${count} slices (0..${count - 1})`);
  const width = axis === 'sagittal' ? H : W;
  const height = axis === 'axial' ? H : D;
  const values = new Float32Array(width * height * channels);
  const voxel = (z: number, y: number, x: number) => ((z * H + y) * W + x) * channels;
  let o = 0;
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      let at: number;
      if (axis === 'axial') at = voxel(index, row, col);
      else if (axis === 'coronal') at = voxel(D - 1 - row, index, col);
      else at = voxel(D - 1 - row, col, index);
      for (let c = 0; c < channels; c++) values[o++] = data[at + c];
    }
  }
  const [sz, sy, sx] = spacing;
  const pixelSpacing: [number, number] = axis === 'axial' ? [sx, sy] : axis === 'coronal' ? [sx, sz] : [sy, sz];
  return { width, height, count, values, pixelSpacing };
}

/**
 * Per slice along `axis`, how many voxels (first channel) lie above `threshold`: where the content is. The
 * Decomposition view opens a volume on the slice with the most (a demo mask or a nodule crop is black on its
 * middle slice as often as not).
 */
export function foregroundPerSlice(data: ArrayLike<number>, shape: [number, number, number], channels: number, axis: SliceAxis, threshold: number): number[] {
  const [D, H, W] = shape;
  const counts = new Array<number>(axis === 'axial' ? D : axis === 'coronal' ? H : W).fill(0);
  let at = 0;
  for (let z = 0; z < D; z++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++, at += channels) {
        if (data[at] > threshold) counts[axis === 'axial' ? z : axis === 'coronal' ? y : x]++;
      }
    }
  }
  return counts;
}

/** The background cut of foregroundPerSlice: a tenth of the way up the case's value range. */
export const foregroundThreshold = (range: [number, number]): number => range[0] + 0.1 * (range[1] - range[0]);
