// Reads one case with the reader its kind calls for, and states the facts of the raw scan (CaseInfo).
// Runs inside the import workers (and in predict, for a single scan): the only place a raw series is held.

import { readDicomSeries } from '../dicom/index';
import { readImage, readNifti, readNpyVolume, readPngStack } from '../formats/index';
import { volumeRange } from '../recipe';
import type { Volume } from '../volume';
import type { CaseInfo, CaseRef } from './types';

export async function readCase(ref: Pick<CaseRef, 'kind' | 'files'>): Promise<Volume> {
  switch (ref.kind) {
    case 'dicom-series':
      return readDicomSeries(ref.files);
    case 'nifti':
      return readNifti(ref.files[0]);
    case 'npy':
      return readNpyVolume(ref.files[0]);
    case 'png-stack':
      return readPngStack(ref.files);
    case 'image':
      return readImage(ref.files[0]);
  }
}

/** The inspect facts of a volume: sizes and spacings written x, y, z (W, H, D), the value range, units. */
export function caseInfo(ref: CaseRef, vol: Volume): CaseInfo {
  const [d, h, w] = vol.shape;
  const [sz, sy, sx] = vol.spacing;
  const info: CaseInfo = {
    id: ref.id,
    label: ref.label,
    kind: ref.kind,
    dims: vol.dims,
    size: [w, h, d],
    channels: vol.channels,
    spacing: [sx, sy, sz],
    range: volumeRange(vol),
    units: vol.units,
    modality: vol.modality,
    warnings: vol.warnings.slice(),
  };
  if (ref.group !== undefined) info.group = ref.group;
  if (ref.split !== undefined) info.split = ref.split;
  if (vol.fileWindow) info.fileWindow = { ...vol.fileWindow };
  return info;
}
