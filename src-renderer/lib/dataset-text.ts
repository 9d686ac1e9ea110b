// How the Data view writes a data set's geometry: sizes as W×H×D (the CLI's `dataset inspect` order) and
// the spread of voxel spacings over the cases. Pure.
import type { DatasetView } from '../../src-main/api/contract';

/** One case as data:inspect describes it. */
export type CaseInfo = DatasetView['cases'][number];

/** A model input shape ([H,W] or [D,H,W]) written W×H(×D). */
export function shapeText(shape: number[]): string {
  return [...shape].reverse().join('×');
}

const mm = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 3 : 1).replace(/0+$/, '').replace(/\.$/, ''));

/**
 * The voxel spacing of the cases in mm, x × y (× z): one value per axis when every case agrees, else the
 * range min–max per axis. 2D data sets show x × y only. Empty when there are no cases.
 */
export function spacingSummary(cases: Pick<CaseInfo, 'spacing' | 'dims'>[]): string {
  if (cases.length === 0) return '';
  const axes = cases.every((c) => c.dims === 2) ? 2 : 3;
  const parts: string[] = [];
  for (let a = 0; a < axes; a++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const c of cases) {
      lo = Math.min(lo, c.spacing[a]);
      hi = Math.max(hi, c.spacing[a]);
    }
    parts.push(lo === hi ? mm(lo) : `${mm(lo)}–${mm(hi)}`);
  }
  return `${parts.join(' × ')} mm`;
}

/** The number of slices along an axis of a case of size [W, H, D]. */
export function sliceCount(size: [number, number, number], axis: 'axial' | 'coronal' | 'sagittal'): number {
  return axis === 'axial' ? size[2] : axis === 'coronal' ? size[1] : size[0];
}
