// The Data view's geometry text (src-renderer/lib/dataset-text.ts).
import { describe, expect, it } from 'vitest';
import { shapeText, sliceCount, spacingSummary } from '../../src-renderer/lib/dataset-text';

describe('dataset text', () => {
  it('writes shapes W×H×D', () => {
    expect(shapeText([20, 64, 32])).toBe('32×64×20');
    expect(shapeText([28, 28])).toBe('28×28');
  });

  it('summarises spacings per axis: one value when the cases agree, else the range', () => {
    const ct = (z: number) => ({ dims: 3 as const, spacing: [0.9766, 0.9766, z] as [number, number, number] });
    expect(spacingSummary([ct(2), ct(2)])).toBe('0.977 × 0.977 × 2 mm');
    expect(spacingSummary([ct(2), ct(2.5)])).toBe('0.977 × 0.977 × 2–2.5 mm');
    expect(spacingSummary([{ dims: 2, spacing: [1, 1, 1] }])).toBe('1 × 1 mm');
    expect(spacingSummary([])).toBe('');
  });

  it('counts slices along each axis of a W×H×D case', () => {
    expect(sliceCount([512, 400, 20], 'axial')).toBe(20);
    expect(sliceCount([512, 400, 20], 'coronal')).toBe(400);
    expect(sliceCount([512, 400, 20], 'sagittal')).toBe(512);
  });
});
