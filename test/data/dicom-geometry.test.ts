// Slice order and orientation of the DICOM reader: series written here in axial, flipped, coronal and sagittal
// orientations over one small world grid, whose voxel values encode their own LPS position, must all come back
// as the same canonical volume (W toward Left, H toward Posterior, D toward Superior); plus the spacing rules.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDicomSeries } from '../../src-main/data/dicom/index';
import { analyseSpacing, cross, obliqueDegrees } from '../../src-main/data/dicom/geometry';
import { dicomFile, imageElements, int16Bytes, TS } from './dicom-fixtures';

const tmp = mkdtempSync(join(tmpdir(), 'ddcnn-dicom-geometry-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The world grid: 4 voxels along x (Left), 3 along y (Posterior), 5 along z (Superior), 1 mm apart. */
const EXTENT = [4, 3, 5];
const code = (x: number, y: number, z: number): number => 100 * z + 10 * y + x;

/** The canonical volume every orientation must give: data[z][y][x] = code(x, y, z). */
const expected = Array.from({ length: 60 }, (_, i) => code(i % 4, Math.floor(i / 4) % 3, Math.floor(i / 12)));

/**
 * Writes the grid as a series whose rows run along `row` and columns along `column` (unit axis vectors, LPS),
 * slices stacked along their cross product; files named in a scrambled order. Returns the files.
 */
function writeSeries(name: string, row: number[], column: number[]): string[] {
  const dir = join(tmp, name);
  mkdirSync(dir);
  const normal = cross(row as [number, number, number], column as [number, number, number]);
  const axis = (v: number[]): number => v.findIndex((c) => c !== 0);
  const [ra, ca, na] = [axis(row), axis(column), axis(normal)];
  const columns = EXTENT[ra];
  const rows = EXTENT[ca];
  const files: string[] = [];
  for (let t = 0; t < EXTENT[na]; t++) {
    // The first pixel sits where the row and column directions start from inside the grid.
    const origin = [0, 0, 0];
    origin[ra] = row[ra] > 0 ? 0 : EXTENT[ra] - 1;
    origin[ca] = column[ca] > 0 ? 0 : EXTENT[ca] - 1;
    origin[na] = t;
    const values: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) {
        const p = [...origin];
        p[ra] += row[ra] * c;
        p[ca] += column[ca] * r;
        values.push(code(p[0], p[1], p[2]));
      }
    }
    const file = join(dir, `slice-${(t * 3) % EXTENT[na]}-${t}.dcm`);
    const elements = imageElements({
      rows,
      columns,
      signed: true,
      intercept: 0,
      position: origin,
      orientation: [...row, ...column],
      pixelSpacing: [1, 1],
    });
    writeFileSync(file, dicomFile({ transferSyntax: TS.explicit, elements, pixels: int16Bytes(values) }));
    files.push(file);
  }
  return files.reverse();
}

describe('canonical orientation (LPS+ index axes)', () => {
  const cases: [string, number[], number[]][] = [
    ['axial', [1, 0, 0], [0, 1, 0]],
    ['axial, rows right-to-left and columns bottom-up', [-1, 0, 0], [0, -1, 0]],
    ['coronal', [1, 0, 0], [0, 0, -1]],
    ['sagittal', [0, 1, 0], [0, 0, -1]],
    ['axial, transposed (rows along y)', [0, 1, 0], [1, 0, 0]],
  ];
  for (const [name, row, column] of cases) {
    it(`${name}: IOP ${[...row, ...column].join('\\')}`, async () => {
      const v = await readDicomSeries(writeSeries(name.replace(/\W+/g, '-'), row, column));
      expect(v.shape).toEqual([5, 3, 4]);
      expect(v.spacing).toEqual([1, 1, 1]);
      expect(Array.from(v.data)).toEqual(expected);
      expect(v.warnings).toEqual([]);
    });
  }

  it('anisotropic spacing follows the axes: PixelSpacing is [row spacing, column spacing]', async () => {
    const dir = join(tmp, 'aniso');
    mkdirSync(dir);
    // Coronal: columns (along x) 0.5 mm apart, rows (along z, downwards) 2 mm apart; slices (along y) 3 mm apart.
    const files = [0, 1].map((k) => {
      const file = join(dir, `s${k}.dcm`);
      const elements = imageElements({
        rows: 2,
        columns: 3,
        intercept: 0,
        position: [0, 3 * k, 10],
        orientation: [1, 0, 0, 0, 0, -1],
        pixelSpacing: [2, 0.5],
      });
      writeFileSync(file, dicomFile({ transferSyntax: TS.explicit, elements, pixels: int16Bytes([1, 2, 3, 4, 5, 6].map((x) => x + 10 * k)) }));
      return file;
    });
    const v = await readDicomSeries(files);
    expect(v.shape).toEqual([2, 2, 3]); // D along z (the 2 rows), H along y (2 slices), W along x
    expect(v.spacing).toEqual([2, 3, 0.5]);
    // z increases upwards: the bottom row (4 5 6) comes first.
    expect(Array.from(v.data)).toEqual([4, 5, 6, 14, 15, 16, 1, 2, 3, 11, 12, 13]);
  });

  it('oblique slices are reoriented to the nearest axes with a warning', async () => {
    const dir = join(tmp, 'oblique');
    mkdirSync(dir);
    const a = (10 * Math.PI) / 180;
    const row = [Math.cos(a), Math.sin(a), 0];
    const column = [-Math.sin(a), Math.cos(a), 0];
    const files = [0, 1, 2].map((k) => {
      const file = join(dir, `s${k}.dcm`);
      const elements = imageElements({ rows: 2, columns: 2, position: [0, 0, k], orientation: [...row, ...column], pixelSpacing: [1, 1] });
      writeFileSync(file, dicomFile({ transferSyntax: TS.explicit, elements, pixels: int16Bytes([k, k, k, k]) }));
      return file;
    });
    const v = await readDicomSeries(files);
    expect(v.shape).toEqual([3, 2, 2]);
    expect(v.warnings).toEqual(['oblique slices (10.0° from the nearest axis): reoriented to the nearest axes by flips and transposes only, not resampled']);
  });

  it('sheared slices (gantry tilt) are read with a warning', async () => {
    const dir = join(tmp, 'tilt');
    mkdirSync(dir);
    const files = [0, 1, 2, 3].map((k) => {
      const file = join(dir, `s${k}.dcm`);
      const elements = imageElements({ rows: 2, columns: 2, position: [0, 0.8 * k, 2 * k], orientation: [1, 0, 0, 0, 1, 0], pixelSpacing: [1, 1] });
      writeFileSync(file, dicomFile({ transferSyntax: TS.explicit, elements, pixels: int16Bytes([k, k, k, k]) }));
      return file;
    });
    const v = await readDicomSeries(files);
    expect(v.spacing[0]).toBe(2);
    expect(v.warnings).toEqual(['sheared slices (gantry tilt?): the last slice is shifted 2.4 mm within the plane from the first; not corrected']);
  });
});

describe('geometry helpers', () => {
  it('the slice normal is the cross product of the row and column directions', () => {
    expect(cross([1, 0, 0], [0, 1, 0])).toEqual([0, 0, 1]);
    expect(cross([0, 1, 0], [0, 0, -1])).toEqual([-1, 0, 0]);
  });

  it('measures how oblique a direction is', () => {
    expect(obliqueDegrees([0, 0, -1])).toBe(0);
    expect(obliqueDegrees([Math.SQRT1_2, Math.SQRT1_2, 0])).toBeCloseTo(45, 10);
  });

  it('analyses slice steps: uniform, slightly uneven, gaps', () => {
    expect(analyseSpacing([0, 2, 4, 6])).toEqual({ step: 2, gaps: [], uneven: undefined });
    expect(analyseSpacing([0, 2.001, 4, 6]).uneven).toBeUndefined(); // within 1 %
    expect(analyseSpacing([0, 2, 4.1, 6]).uneven).toEqual({ min: expect.closeTo(1.9, 9), max: expect.closeTo(2.1, 9) });
    expect(analyseSpacing([0, 2, 4, 7.1, 9]).gaps).toEqual([{ index: 2, step: expect.closeTo(3.1, 9) }]);
    expect(analyseSpacing([0, 2, 4, 6, 8.9]).gaps).toEqual([]); // 2.9 < 1.5 x 2
  });
});
