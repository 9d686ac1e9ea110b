// Colour scales and legends of the Results and Inspect views (src-renderer/lib/colors.ts, legend.ts).
import { describe, expect, it } from 'vitest';
import {
  BLUES_STOPS,
  VIRIDIS_STOPS,
  blues,
  contrastRatio,
  hexToRgb,
  luminance,
  rgbCss,
  sequentialScale,
  textColorOn,
  viridis,
} from '../../src-renderer/lib/colors';
import { legendFor, niceDomain, niceStep, niceTicks } from '../../src-renderer/lib/legend';

describe('viridis', () => {
  it('hits the published stops exactly at 0, 0.1, ..., 1', () => {
    VIRIDIS_STOPS.forEach((hex, i) => expect(viridis(i / 10)).toEqual(hexToRgb(hex)));
    expect(viridis(0)).toEqual([68, 1, 84]);
    expect(viridis(0.5)).toEqual([33, 145, 140]);
    expect(viridis(1)).toEqual([253, 231, 37]);
  });

  it('interpolates between stops and clamps outside 0..1 (NaN gives the low end)', () => {
    // Halfway between #440154 and #482475.
    expect(viridis(0.05)).toEqual([70, 19, 101]);
    expect(viridis(-3)).toEqual(viridis(0));
    expect(viridis(7)).toEqual(viridis(1));
    expect(viridis(NaN)).toEqual(viridis(0));
  });

  it('is ordered in lightness: a higher value is never a darker colour', () => {
    let last = -1;
    for (let t = 0; t <= 1.0001; t += 0.01) {
      const l = luminance(viridis(t));
      expect(l).toBeGreaterThanOrEqual(last - 1e-4);
      last = l;
    }
    expect(luminance(viridis(1))).toBeGreaterThan(10 * luminance(viridis(0)));
  });
});

describe('blues', () => {
  it('runs from the lightest to the darkest stop', () => {
    expect(blues(0)).toEqual(hexToRgb(BLUES_STOPS[0]));
    expect(blues(1)).toEqual(hexToRgb(BLUES_STOPS.at(-1)!));
    expect(luminance(blues(0.2))).toBeGreaterThan(luminance(blues(0.8)));
  });
});

describe('text on scale colours', () => {
  it('is white on dark colours and black on light ones', () => {
    expect(textColorOn(viridis(0))).toBe('#ffffff');
    expect(textColorOn(viridis(1))).toBe('#000000');
    expect(textColorOn(blues(0))).toBe('#000000');
    expect(textColorOn(blues(1))).toBe('#ffffff');
  });

  it('keeps at least WCAG AA contrast (4.5:1) on every colour of both scales', () => {
    for (let t = 0; t <= 1.0001; t += 0.01) {
      for (const bg of [viridis(t), blues(t)]) {
        const text = hexToRgb(textColorOn(bg));
        expect(contrastRatio(bg, text)).toBeGreaterThanOrEqual(4.5);
      }
    }
  });

  it('computes the WCAG contrast of black on white as 21', () => {
    expect(contrastRatio([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 5);
  });
});

describe('sequential scale', () => {
  it('maps its domain onto the colour map', () => {
    const s = sequentialScale(0.5, 1);
    expect(s.position(0.75)).toBe(0.5);
    expect(s.color(0.75)).toEqual(viridis(0.5));
    expect(s.color(0.2)).toEqual(viridis(0));
    expect(s.color(2)).toEqual(viridis(1));
  });

  it('refuses an empty domain', () => {
    expect(() => sequentialScale(1, 1)).toThrow(/min < max/);
  });

  it('writes CSS colours', () => {
    expect(rgbCss([1, 2, 3])).toBe('rgb(1, 2, 3)');
    expect(rgbCss([1, 2, 3], 0.5)).toBe('rgba(1, 2, 3, 0.5)');
  });
});

describe('legend', () => {
  it('chooses round steps', () => {
    expect(niceStep(1, 5)).toBe(0.25);
    expect(niceStep(1, 6)).toBe(0.2);
    expect(niceStep(0.15, 5)).toBe(0.05);
    expect(niceStep(100, 3)).toBe(50);
  });

  it('puts ticks at multiples of the step inside the domain', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(0, 1, 6)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.75, 0.9, 5)).toEqual([0.75, 0.8, 0.85, 0.9]);
    expect(niceTicks(0.72, 0.93, 4)).toEqual([0.8, 0.9]);
    expect(niceTicks(0.72, 0.93, 6)).toEqual([0.75, 0.8, 0.85, 0.9]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });

  it('widens a domain to round numbers around the data, inside 0..1, never empty', () => {
    expect(niceDomain([0.781, 0.86, 0.8])).toEqual([0.75, 0.9]);
    expect(niceDomain([0.8, 0.8])).toEqual([0.8, 0.85]);
    expect(niceDomain([1, 1])).toEqual([0.95, 1]);
    expect(niceDomain([0.02, 0.99])).toEqual([0, 1]);
    expect(niceDomain([])).toEqual([0, 1]);
    expect(niceDomain([NaN, 0.5])).toEqual([0.5, 0.55]);
  });

  it('draws the gradient of the scale and places ticks by value', () => {
    const scale = sequentialScale(0.75, 0.9);
    const legend = legendFor(scale, (v) => `${Math.round(v * 100)}%`);
    expect(legend.stops).toHaveLength(11);
    expect(legend.stops[0]).toEqual({ offset: 0, color: rgbCss(viridis(0)) });
    expect(legend.stops[10]).toEqual({ offset: 1, color: rgbCss(viridis(1)) });
    expect(legend.ticks.map((t) => t.label)).toEqual(['75%', '80%', '85%', '90%']);
    expect(legend.ticks.map((t) => t.position)).toEqual([0, 1 / 3, 2 / 3, 1].map((p) => expect.closeTo(p, 10)));
    // A tick's position on the bar is where the bar has that value's colour.
    for (const t of legend.ticks) expect(scale.color(t.value)).toEqual(viridis(t.position));
  });
});
