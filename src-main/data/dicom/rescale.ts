// Stored pixel values to output values (HU for CT): keeps BitsStored bits from HighBit down (scanners may put
// overlay or garbage bits above them), sign-extends them when PixelRepresentation is 1, applies
// value = stored * RescaleSlope + RescaleIntercept, and replaces padding.
//
// Padding: PixelPaddingValue (up to PixelPaddingRangeLimit) and, for signed CT data, the stored values -2000
// (GE's outside-the-field-of-view fill) and -32768 mark voxels that were never measured. For CT they become
// -1024 HU (air, what the outside of the patient is; -3024 or -32768 HU would stretch every intensity range and
// window); for other modalities, whose units have no "air", they become the smallest non-padding value of the frame.

import type { RawSamples } from './pixel-decoders';

export const AIR_HU = -1024;

export interface ValueMapping {
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  slope: number;
  intercept: number;
  /** Stored values that are padding: inclusive ranges. */
  padding: [number, number][];
  /** What padding becomes: a value, or 'min' for the frame's smallest non-padding value. */
  paddingFill: number | 'min';
}

/** The stored values read as padding for an image (see the module comment). */
export function paddingRanges(
  image: { padding?: { low: number; high: number }; signed: boolean; bitsStored: number },
  isCt: boolean,
): [number, number][] {
  const ranges: [number, number][] = [];
  if (image.padding) ranges.push([image.padding.low, image.padding.high]);
  if (image.signed && isCt) {
    if (image.bitsStored >= 12) ranges.push([-2000, -2000]);
    if (image.bitsStored >= 16) ranges.push([-32768, -32768]);
  }
  return ranges;
}

/** Signed view of the same bytes, for samples that use every allocated bit. */
function signedView(raw: RawSamples): Int8Array | Int16Array | Int32Array {
  if (raw instanceof Uint8Array) return new Int8Array(raw.buffer, raw.byteOffset, raw.length);
  if (raw instanceof Uint16Array) return new Int16Array(raw.buffer, raw.byteOffset, raw.length);
  return new Int32Array(raw.buffer, raw.byteOffset, raw.length);
}

/**
 * Writes the values of `raw` (one frame, samples interleaved) into `out` from `offset`. Returns the number of
 * padding samples found.
 */
export function rescaleFrame(raw: RawSamples, m: ValueMapping, out: Float32Array, offset: number): number {
  const shift = m.highBit + 1 - m.bitsStored;
  const whole = m.bitsStored === m.bitsAllocated && shift === 0;
  let padded = 0;
  if (m.padding.length === 0) {
    if (whole) copyScaled(m.signed ? signedView(raw) : raw, m.slope, m.intercept, out, offset);
    else maskScaled(raw, m, shift, out, offset);
  } else {
    // Padding samples are marked NaN first, then filled, so that 'min' can skip them.
    padded = whole
      ? copyScaledPadded(m.signed ? signedView(raw) : raw, m, out, offset)
      : maskScaledPadded(raw, m, shift, out, offset);
    if (padded > 0) fillPadding(out, offset, raw.length, m.paddingFill);
  }
  return padded;
}

// The loops below are kept apart (rather than one loop with flags) so that each stays tight: they run once
// per voxel, hundreds of millions of times per import.

function copyScaled(src: ArrayLike<number>, slope: number, intercept: number, out: Float32Array, offset: number): void {
  const n = src.length;
  for (let i = 0; i < n; i++) out[offset + i] = src[i] * slope + intercept;
}

/** Up to three inclusive ranges; NaN bounds make an unused slot never match. */
function ranges(m: ValueMapping): number[] {
  const r = [NaN, NaN, NaN, NaN, NaN, NaN];
  m.padding.slice(0, 3).forEach(([lo, hi], k) => {
    r[2 * k] = lo;
    r[2 * k + 1] = hi;
  });
  return r;
}

function copyScaledPadded(src: ArrayLike<number>, m: ValueMapping, out: Float32Array, offset: number): number {
  const [lo0, hi0, lo1, hi1, lo2, hi2] = ranges(m);
  const { slope, intercept } = m;
  const n = src.length;
  let padded = 0;
  for (let i = 0; i < n; i++) {
    const v = src[i];
    if ((v >= lo0 && v <= hi0) || (v >= lo1 && v <= hi1) || (v >= lo2 && v <= hi2)) {
      out[offset + i] = NaN;
      padded++;
    } else out[offset + i] = v * slope + intercept;
  }
  return padded;
}

// XOR-and-subtract sign-extends a bitsStored-bit two's complement number; a sign of 0 leaves unsigned values alone.
function maskScaled(raw: RawSamples, m: ValueMapping, shift: number, out: Float32Array, offset: number): void {
  const mask = 2 ** m.bitsStored - 1;
  const sign = m.signed ? 2 ** (m.bitsStored - 1) : 0;
  const { slope, intercept } = m;
  const n = raw.length;
  for (let i = 0; i < n; i++) out[offset + i] = ((((raw[i] >>> shift) & mask) ^ sign) - sign) * slope + intercept;
}

function maskScaledPadded(raw: RawSamples, m: ValueMapping, shift: number, out: Float32Array, offset: number): number {
  const [lo0, hi0, lo1, hi1, lo2, hi2] = ranges(m);
  const mask = 2 ** m.bitsStored - 1;
  const sign = m.signed ? 2 ** (m.bitsStored - 1) : 0;
  const { slope, intercept } = m;
  const n = raw.length;
  let padded = 0;
  for (let i = 0; i < n; i++) {
    const v = (((raw[i] >>> shift) & mask) ^ sign) - sign;
    if ((v >= lo0 && v <= hi0) || (v >= lo1 && v <= hi1) || (v >= lo2 && v <= hi2)) {
      out[offset + i] = NaN;
      padded++;
    } else out[offset + i] = v * slope + intercept;
  }
  return padded;
}

function fillPadding(out: Float32Array, offset: number, n: number, fill: number | 'min'): void {
  let value = fill;
  if (value === 'min') {
    let min = Infinity;
    for (let i = offset; i < offset + n; i++) if (out[i] < min) min = out[i]; // NaN compares false: skipped
    value = Number.isFinite(min) ? min : 0;
  }
  for (let i = offset; i < offset + n; i++) if (out[i] !== out[i]) out[i] = value;
}
