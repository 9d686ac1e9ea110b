// A scan as read from its file(s), before any preprocessing: the common output of every reader (DICOM
// series, NIfTI, npz/npy volumes, PNG slice stacks, 2D images) and the input of the preprocessing recipe.
//
// Canonical orientation (DESIGN.md section 5): every 3D reader reorients its voxels, by permuting and
// flipping array axes only (no resampling), so that the array index runs
//   along W (fastest) towards the patient's Left, along H towards Posterior, along D towards Superior,
// i.e. LPS+ index axes, the orientation of a standard axial DICOM series with slices sorted feet to head.
// So subdomain i always covers the same anatomy whatever the scanner or file format wrote.
// Sources without orientation (npz/npy, PNG stacks, 2D images) are taken as already canonical.

export interface Volume {
  /** Voxel values in the source's units (HU for CT), laid out [D][H][W][C] with C fastest. */
  data: Float32Array;
  /** [D, H, W]; D = 1 for a 2D image. */
  shape: [number, number, number];
  /** 1 for grey, 3 for colour (RGB). */
  channels: number;
  /** Voxel size in mm along [D, H, W]; 1 where the source does not say (2D images, npz). */
  spacing: [number, number, number];
  /** Whether it is a 2D image (a single slice read from a PNG/JPEG/PGM) or a volume. */
  dims: 2 | 3;
  /** DICOM Modality ('CT', 'MR', ...), 'CT' for NIfTI in HU when known, otherwise 'unknown'. */
  modality: string;
  /** 'HU' when values are Hounsfield units (CT DICOM after rescale, CT NIfTI), 'stored' otherwise. */
  units: 'HU' | 'stored';
  /** The display window stored in the file (DICOM WindowCenter/Width, NIfTI cal_min/cal_max), if any. */
  fileWindow?: { center: number; width: number };
  /** Things the user should know that did not stop the import (non-uniform spacing, oblique slices...). */
  warnings: string[];
}

/** Where a canonical axis comes from in the source array: which source axis (0 = fastest) and whether flipped. */
export interface AxisMap {
  /** For canonical axis a (0 = W/x, 1 = H/y, 2 = D/z): the source array axis it reads (0 = fastest-varying). */
  source: [number, number, number];
  /** Whether canonical axis a runs backwards through that source axis. */
  flip: [boolean, boolean, boolean];
}

/**
 * The axis map that brings an array to canonical LPS+ index axes. `direction[a]` is the LPS world direction
 * (unit-ish 3-vector) in which source array axis a (0 = fastest) advances. Each source axis is assigned the
 * world axis it is closest to (largest |component|), which for oblique scans is the nearest orthogonal
 * orientation. Throws when two source axes point along the same world axis (a degenerate matrix).
 */
export function canonicalAxisMap(direction: [number[], number[], number[]]): AxisMap {
  const source: number[] = [-1, -1, -1];
  const flip: boolean[] = [false, false, false];
  // Assign greedily by the largest component overall, so an oblique axis never steals a better match.
  const pairs: { src: number; world: number; mag: number; sign: number }[] = [];
  for (let src = 0; src < 3; src++) {
    for (let world = 0; world < 3; world++) {
      const v = direction[src][world];
      pairs.push({ src, world, mag: Math.abs(v), sign: Math.sign(v) });
    }
  }
  pairs.sort((a, b) => b.mag - a.mag);
  const usedSrc = new Set<number>();
  for (const p of pairs) {
    if (p.mag === 0 || usedSrc.has(p.src) || source[p.world] !== -1) continue;
    source[p.world] = p.src;
    flip[p.world] = p.sign < 0;
    usedSrc.add(p.src);
  }
  if (source.includes(-1)) throw new Error(`degenerate orientation: ${JSON.stringify(direction)}`);
  return { source: source as [number, number, number], flip: flip as [boolean, boolean, boolean] };
}

/**
 * Reorients `data` (source shape [n2][n1][n0][C], axis 0 fastest, sizes given as [n0, n1, n2]) to canonical
 * axes. Returns the data and the canonical sizes [W, H, D] and the spacing permuted the same way.
 */
export function reorient(
  data: Float32Array,
  sizes: [number, number, number],
  spacing: [number, number, number],
  channels: number,
  map: AxisMap,
): { data: Float32Array; sizes: [number, number, number]; spacing: [number, number, number] } {
  const out = new Float32Array(data.length);
  const outSizes = map.source.map((s) => sizes[s]) as [number, number, number];
  const outSpacing = map.source.map((s) => spacing[s]) as [number, number, number];
  const srcStride = [channels, sizes[0] * channels, sizes[0] * sizes[1] * channels];
  // For each canonical axis: the source stride it walks and where it starts.
  const step = map.source.map((s, a) => (map.flip[a] ? -srcStride[s] : srcStride[s]));
  const start = map.source.reduce((acc, s, a) => acc + (map.flip[a] ? (sizes[s] - 1) * srcStride[s] : 0), 0);
  let o = 0;
  for (let z = 0; z < outSizes[2]; z++) {
    for (let y = 0; y < outSizes[1]; y++) {
      let i = start + z * step[2] + y * step[1];
      for (let x = 0; x < outSizes[0]; x++, i += step[0]) {
        for (let c = 0; c < channels; c++) out[o++] = data[i + c];
      }
    }
  }
  return { data: out, sizes: outSizes, spacing: outSpacing };
}
