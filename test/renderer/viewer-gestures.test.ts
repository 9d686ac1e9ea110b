// The slice viewer's mouse geometry (src-renderer/lib/viewer-gestures.ts): wheel to slices, drag to window
// and level, zoom about the cursor, and the voxel under the pointer.
import { describe, expect, it } from 'vitest';
import { IDENTITY_VIEW, dragWindow, pixelUnder, wheelSlice, zoomAt } from '../../src-renderer/lib/viewer-gestures';

describe('slice viewer gestures', () => {
  it('the wheel moves one slice per turn in its direction and stops at the first and last slice', () => {
    expect(wheelSlice(5, 20, 120)).toBe(6);
    expect(wheelSlice(5, 20, -3)).toBe(4);
    expect(wheelSlice(19, 20, 100)).toBe(19);
    expect(wheelSlice(0, 20, -100)).toBe(0);
    expect(wheelSlice(7, 20, 0)).toBe(7);
  });

  it('a drag across 500 px changes the window by the whole value range; the width never reaches 0', () => {
    expect(dragWindow({ width: 400, level: 40 }, 500, 0, 3000)).toEqual({ width: 3400, level: 40 });
    expect(dragWindow({ width: 400, level: 40 }, 0, -250, 3000)).toEqual({ width: 400, level: -1460 });
    expect(dragWindow({ width: 400, level: 40 }, -1000, 0, 3000).width).toBe(6);
  });

  it('zooming keeps the point under the cursor in place and never goes below the whole picture', () => {
    const v = zoomAt(IDENTITY_VIEW, 2, 100, 50);
    expect(v).toEqual({ zoom: 2, panX: -100, panY: -50 });
    // The canvas point (100, 50) shows picture point (100, 50) before and after.
    expect((100 - v.panX) / v.zoom).toBe(100);
    expect(zoomAt(v, 0.25, 10, 10)).toEqual(IDENTITY_VIEW);
  });

  it('maps a canvas point to the slice pixel under it, through zoom and pan', () => {
    const canvas = { width: 480, height: 240 };
    const slice = { width: 64, height: 32 };
    expect(pixelUnder(0, 0, IDENTITY_VIEW, canvas, slice)).toEqual({ x: 0, y: 0 });
    expect(pixelUnder(479, 239, IDENTITY_VIEW, canvas, slice)).toEqual({ x: 63, y: 31 });
    expect(pixelUnder(480, 0, IDENTITY_VIEW, canvas, slice)).toBeNull();
    // Zoomed 2x about the centre: the canvas centre still shows the picture centre.
    const z = zoomAt(IDENTITY_VIEW, 2, 240, 120);
    expect(pixelUnder(240, 120, z, canvas, slice)).toEqual({ x: 32, y: 16 });
    expect(pixelUnder(0, 0, z, canvas, slice)).toEqual({ x: 16, y: 8 });
  });
});
