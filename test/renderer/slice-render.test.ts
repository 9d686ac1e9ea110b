// The Data view's slice viewer helpers (src-renderer/lib/slice-render.ts): windows, presets, pixels, aspect.
import { describe, expect, it } from 'vitest';
import { defaultWindowChoice, displaySize, rangeWindow, resolveWindow, windowChoices, windowText, windowToRgba } from '../../src-renderer/lib/slice-render';

const grey = (px: Uint8ClampedArray, i: number) => [px[i * 4], px[i * 4 + 1], px[i * 4 + 2], px[i * 4 + 3]];

describe('windowToRgba', () => {
  it('maps level - width/2 to black and level + width/2 to white, linearly, clipping outside', () => {
    // Lung window W1500 L-600: -1350 .. 150 HU.
    const values = [-2000, -1350, -600, 150, 3000, (-1350 + 150) / 2 + 150];
    const px = windowToRgba(values, 6, 1, 1, { width: 1500, level: -600 });
    expect(grey(px, 0)).toEqual([0, 0, 0, 255]);
    expect(grey(px, 1)).toEqual([0, 0, 0, 255]);
    expect(grey(px, 2)).toEqual([128, 128, 128, 255]);
    expect(grey(px, 3)).toEqual([255, 255, 255, 255]);
    expect(grey(px, 4)).toEqual([255, 255, 255, 255]);
    expect(px[5 * 4]).toBe(Math.round(((-450 + 1350) * 255) / 1500));
  });

  it('keeps colour channels apart and paints NaN black', () => {
    const px = windowToRgba([0, 0.5, 1, Number.NaN, 1, 1], 2, 1, 3, rangeWindow([0, 1]));
    expect(grey(px, 0)).toEqual([0, 128, 255, 255]);
    expect(grey(px, 1)).toEqual([0, 255, 255, 255]);
  });

  it('lays rows out as given and refuses too few values', () => {
    const px = windowToRgba([0, 1, 2, 3, 4, 5], 3, 2, 1, rangeWindow([0, 5]));
    expect(px).toHaveLength(3 * 2 * 4);
    expect(px[3 * 4]).toBe(153);
    expect(() => windowToRgba([0, 1], 3, 2, 1, rangeWindow([0, 1]))).toThrow(/needs 6 values/);
  });
});

describe('windows', () => {
  const ct = { range: [-1024, 1839] as [number, number], fileWindow: { center: 40, width: 400 } };

  it('resolves the CT presets of DESIGN.md, the file window, the data range and typed values', () => {
    expect(resolveWindow('lung', ct, { width: 1, level: 0 })).toEqual({ width: 1500, level: -600 });
    expect(resolveWindow('mediastinum', ct, { width: 1, level: 0 })).toEqual({ width: 350, level: 50 });
    expect(resolveWindow('bone', ct, { width: 1, level: 0 })).toEqual({ width: 2000, level: 500 });
    expect(resolveWindow('brain', ct, { width: 1, level: 0 })).toEqual({ width: 80, level: 40 });
    expect(resolveWindow('file', ct, { width: 1, level: 0 })).toEqual({ width: 400, level: 40 });
    expect(resolveWindow('range', ct, { width: 1, level: 0 })).toEqual({ width: 2863, level: 407.5 });
    expect(resolveWindow('custom', ct, { width: 90, level: 30 })).toEqual({ width: 90, level: 30 });
    expect(resolveWindow('file', { range: [0, 1] }, { width: 1, level: 0 })).toEqual({ width: 1, level: 0.5 });
  });

  it('offers presets only for HU and the file window only when there is one', () => {
    expect(windowChoices('HU', true)).toEqual(['lung', 'mediastinum', 'bone', 'brain', 'file', 'range', 'custom']);
    expect(windowChoices('stored', false)).toEqual(['range', 'custom']);
    expect(defaultWindowChoice(ct)).toBe('file');
    expect(defaultWindowChoice({})).toBe('range');
  });

  it('gives a constant image a finite window and reads as W/L', () => {
    expect(rangeWindow([5, 5]).width).toBeGreaterThan(0);
    expect(windowText({ width: 1500, level: -600 })).toBe('W 1500 / L -600');
    expect(windowText({ width: 0.5, level: 0.25 })).toBe('W 0.500 / L 0.250');
  });
});

describe('displaySize', () => {
  it('keeps the physical aspect of anisotropic pixels', () => {
    // A coronal slice of 512 x 20 pixels of 0.9766 mm x 2 mm: 500 mm wide, 40 mm tall.
    const s = displaySize(512, 20, [0.9766, 2], 500, 500);
    expect(s.width).toBe(500);
    expect(s.height).toBe(Math.round((20 * 2 * 500) / (512 * 0.9766)));
  });

  it('fits the limiting side and treats missing spacing as 1 mm', () => {
    expect(displaySize(28, 28, [1, 1], 400, 300)).toEqual({ width: 300, height: 300 });
    expect(displaySize(10, 20, [0, Number.NaN], 400, 400)).toEqual({ width: 200, height: 400 });
    expect(displaySize(1000, 1, [1, 1], 100, 100)).toEqual({ width: 100, height: 1 });
  });
});
