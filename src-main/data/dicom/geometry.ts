// The geometry of a DICOM series as pure functions: the slice normal from ImageOrientationPatient, where each
// slice lies along it, and whether the steps between slices are uniform, slightly uneven, or show missing slices.

export type Vec3 = [number, number, number];

/** Row direction (column index increases), column direction (row index increases) and their cross product. */
export function orientationAxes(iop: readonly number[]): { row: Vec3; column: Vec3; normal: Vec3 } {
  const row: Vec3 = [iop[0], iop[1], iop[2]];
  const column: Vec3 = [iop[3], iop[4], iop[5]];
  return { row, column, normal: cross(row, column) };
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: readonly number[], b: readonly number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function norm(a: readonly number[]): number {
  return Math.sqrt(dot(a, a));
}

/** Whether two orientations agree to within `tolerance` in every component (scanners round differently). */
export function sameOrientation(a: readonly number[], b: readonly number[], tolerance = 1e-4): boolean {
  return a.every((v, i) => Math.abs(v - b[i]) <= tolerance);
}

/** The angle in degrees between a direction and the nearest world axis: 0 for a straight axial/coronal/sagittal. */
export function obliqueDegrees(direction: readonly number[]): number {
  const length = norm(direction);
  if (length === 0) return 0;
  const largest = Math.max(...direction.map(Math.abs)) / length;
  return (Math.acos(Math.min(1, largest)) * 180) / Math.PI;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** How the steps between sorted slice positions look. */
export interface SpacingReport {
  /** The slice step used as the volume's spacing: the median step, mm. */
  step: number;
  /** Steps that exceed GAP_FACTOR x the median: slices are missing there (index i: between slice i and i+1). */
  gaps: { index: number; step: number }[];
  /** Smallest and largest step when they deviate from the median by more than the tolerance, else undefined. */
  uneven?: { min: number; max: number };
}

/** A step this many times the median means at least one slice is missing. */
export const GAP_FACTOR = 1.5;
/** Relative deviation of a step from the median still counted as uniform (rounding of positions). */
export const UNIFORM_TOLERANCE = 0.01;

/** Checks the steps between `positions` (sorted ascending, at least 2, no duplicates). */
export function analyseSpacing(positions: number[]): SpacingReport {
  const steps = positions.slice(1).map((p, i) => p - positions[i]);
  const step = median(steps);
  const gaps = steps.flatMap((s, index) => (s > GAP_FACTOR * step ? [{ index, step: s }] : []));
  const min = Math.min(...steps);
  const max = Math.max(...steps);
  const uneven = max - step > UNIFORM_TOLERANCE * step || step - min > UNIFORM_TOLERANCE * step ? { min, max } : undefined;
  return { step, gaps, uneven };
}
