// 2D images (PNG of every colour type, JPEG, PGM), .npy volumes and PNG slice stacks read into Volumes with
// the right shape, channels and values; broken files fail with the file's name and a reason. Fixtures are
// encoded here (fast-png, jpeg-js, npyjs, a tiny greyscale JPEG writer, PGM by hand) into a temp folder;
// the real LIDC nodule stacks are extracted from /work/shared/data/lidc-nodules/images.tar.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { dump, type DType } from 'npyjs';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFileError } from '../../src-main/data/errors';
import { readImage, readNpyVolume, readPngStack, sortSliceFiles } from '../../src-main/data/formats';

const LIDC = '/work/shared/data/lidc-nodules';
const dir = mkdtempSync(join(tmpdir(), 'ddcnn-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array | string): string {
  const file = join(dir, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}

async function failure(p: Promise<unknown>, file: string): Promise<string> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DataFileError);
  expect((err as DataFileError).file).toBe(file);
  return (err as DataFileError).reason;
}

const W = 3;
const H = 2;

describe('readImage: PNG', () => {
  it('8-bit grey', async () => {
    const px = [0, 50, 100, 150, 200, 255];
    const v = await readImage(write('grey8.png', encodePng({ width: W, height: H, data: new Uint8Array(px), channels: 1, depth: 8 })));
    expect(v.shape).toEqual([1, H, W]);
    expect(v.dims).toBe(2);
    expect(v.channels).toBe(1);
    expect(v.spacing).toEqual([1, 1, 1]);
    expect(v.units).toBe('stored');
    expect(Array.from(v.data)).toEqual(px);
  });

  it('16-bit grey keeps the full 0..65535 range', async () => {
    const px = [0, 1, 1000, 32768, 60000, 65535];
    const v = await readImage(write('grey16.png', encodePng({ width: W, height: H, data: new Uint16Array(px), channels: 1, depth: 16 })));
    expect(v.channels).toBe(1);
    expect(Array.from(v.data)).toEqual(px);
  });

  it('RGB', async () => {
    const px = Array.from({ length: W * H * 3 }, (_, i) => i * 10);
    const v = await readImage(write('rgb.png', encodePng({ width: W, height: H, data: new Uint8Array(px), channels: 3, depth: 8 })));
    expect(v.channels).toBe(3);
    expect(Array.from(v.data)).toEqual(px);
  });

  it('RGBA drops alpha', async () => {
    const px = Array.from({ length: W * H * 4 }, (_, i) => i * 10);
    const v = await readImage(write('rgba.png', encodePng({ width: W, height: H, data: new Uint8Array(px), channels: 4, depth: 8 })));
    expect(v.channels).toBe(3);
    expect(Array.from(v.data)).toEqual(px.filter((_, i) => i % 4 !== 3));
  });

  it('grey + alpha becomes grey', async () => {
    const px = [10, 255, 20, 0, 30, 128, 40, 255, 50, 255, 60, 1];
    const v = await readImage(write('greya.png', encodePng({ width: W, height: H, data: new Uint8Array(px), channels: 2, depth: 8 })));
    expect(v.channels).toBe(1);
    expect(Array.from(v.data)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('palette: colour entries give RGB, all-grey entries give grey', async () => {
    const colour = [[10, 20, 30], [40, 50, 60], [70, 80, 90]];
    const idx = new Uint8Array([0, 1, 2, 2, 1, 0]);
    const v = await readImage(write('pal.png', encodePng({ width: W, height: H, data: idx, channels: 1, depth: 8, palette: colour })));
    expect(v.channels).toBe(3);
    expect(Array.from(v.data)).toEqual([...idx].flatMap((i) => colour[i]));

    const grey = [[0, 0, 0], [128, 128, 128], [255, 255, 255]];
    const g = await readImage(write('palgrey.png', encodePng({ width: W, height: H, data: idx, channels: 1, depth: 8, palette: grey })));
    expect(g.channels).toBe(1);
    expect(Array.from(g.data)).toEqual([...idx].map((i) => grey[i][0]));
  });

  it('2-bit palette and 4-bit grey are unpacked (rows start on a byte)', async () => {
    const pal = [[0, 0, 0], [255, 0, 0], [0, 255, 0]];
    // Indices 0 1 2 / 2 1 0 at 2 bits each: 00 01 10 (pad) | 10 01 00 (pad).
    const p = await readImage(write('pal2.png', encodePng({ width: W, height: H, data: new Uint8Array([0b00011000, 0b10010000]), channels: 1, depth: 2, palette: pal })));
    expect(Array.from(p.data)).toEqual([0, 1, 2, 2, 1, 0].flatMap((i) => pal[i]));
    // Grey 1 2 3 / 15 0 7 at 4 bits: 0x12 0x30 | 0xf0 0x70.
    const g = await readImage(write('grey4.png', encodePng({ width: W, height: H, data: new Uint8Array([0x12, 0x30, 0xf0, 0x70]), channels: 1, depth: 4 })));
    expect(Array.from(g.data)).toEqual([1, 2, 3, 15, 0, 7]);
  });

  it('a truncated PNG and a non-image fail with the file and a reason', async () => {
    const png = encodePng({ width: 16, height: 16, data: new Uint8Array(256).fill(7), channels: 1, depth: 8 });
    const cut = write('cut.png', png.subarray(0, png.length - 20));
    expect(await failure(readImage(cut), cut)).toMatch(/PNG/);
    const text = write('notes.png', 'hello, not an image');
    expect(await failure(readImage(text), text)).toMatch(/not a PNG, JPEG or PGM/);
    const missing = join(dir, 'missing.png');
    expect(await failure(readImage(missing), missing)).toBe('not found');
  });

  it('reads paths with spaces and non-ASCII characters', async () => {
    const file = write('a folder/Ünïcödé 画像 é.png', encodePng({ width: W, height: H, data: new Uint8Array(6).fill(9), channels: 1, depth: 8 }));
    expect(Array.from((await readImage(file)).data)).toEqual([9, 9, 9, 9, 9, 9]);
  });
});

/**
 * A baseline greyscale (one-component) JPEG of one row of flat 8x8 blocks, written by hand because jpeg-js
 * only encodes colour. Quantisation 1 everywhere; a flat block of value v has DC = 8 (v - 128) and no AC.
 */
function greyJpeg(blockValues: number[]): Uint8Array {
  const dcs = blockValues.map((v) => 8 * (v - 128));
  const diffs = dcs.map((dc, i) => dc - (i === 0 ? 0 : dcs[i - 1]));
  const category = (d: number): number => (d === 0 ? 0 : Math.floor(Math.log2(Math.abs(d))) + 1);
  const cats = [...new Set(diffs.map(category))].sort((a, b) => a - b);
  const len = Math.ceil(Math.log2(cats.length + 1)); // one code length for all; never the all-ones code
  const bits: string[] = [];
  for (const d of diffs) {
    const c = category(d);
    bits.push(cats.indexOf(c).toString(2).padStart(len, '0'));
    if (c > 0) bits.push((d >= 0 ? d : d + (1 << c) - 1).toString(2).padStart(c, '0'));
    bits.push('0'); // AC table: the single code '0' = EOB
  }
  let stream = bits.join('');
  stream += '1'.repeat((8 - (stream.length % 8)) % 8);
  const scan: number[] = [];
  for (let i = 0; i < stream.length; i += 8) {
    const b = parseInt(stream.slice(i, i + 8), 2);
    scan.push(b);
    if (b === 0xff) scan.push(0); // byte stuffing
  }
  const seg = (marker: number, body: number[]): number[] => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  const width = 8 * blockValues.length;
  const dcCounts = new Array(16).fill(0);
  dcCounts[len - 1] = cats.length;
  const acCounts = new Array(16).fill(0);
  acCounts[0] = 1;
  return new Uint8Array([
    0xff, 0xd8,
    ...seg(0xdb, [0x00, ...new Array(64).fill(1)]),
    ...seg(0xc0, [8, 0, 8, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...seg(0xc4, [0x00, ...dcCounts, ...cats]),
    ...seg(0xc4, [0x10, ...acCounts, 0x00]),
    ...seg(0xda, [1, 1, 0x00, 0, 63, 0]),
    ...scan,
    0xff, 0xd9,
  ]);
}

describe('readImage: JPEG', () => {
  it('colour JPEG (jpeg-js encoder): 3 channels, values close to the source (lossy)', async () => {
    // Two flat 8x8 blocks side by side: flat colours survive JPEG nearly unchanged.
    const w = 16;
    const h = 8;
    const rgba = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set(i % w < 8 ? [200, 30, 60, 255] : [20, 120, 240, 255], 4 * i);
    const file = write('colour.jpg', jpeg.encode({ width: w, height: h, data: rgba }, 100).data);
    const v = await readImage(file);
    expect(v.shape).toEqual([1, h, w]);
    expect(v.channels).toBe(3);
    const px = (x: number, y: number): number[] => Array.from(v.data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));
    px(2, 3).forEach((c, i) => expect(Math.abs(c - [200, 30, 60][i])).toBeLessThanOrEqual(3));
    px(12, 5).forEach((c, i) => expect(Math.abs(c - [20, 120, 240][i])).toBeLessThanOrEqual(3));
  });

  it('greyscale (one-component) JPEG: 1 channel', async () => {
    const file = write('grey.jpeg', greyJpeg([100, 200, 37]));
    const v = await readImage(file);
    expect(v.shape).toEqual([1, 8, 24]);
    expect(v.channels).toBe(1);
    for (const [x, want] of [[3, 100], [12, 200], [20, 37]]) {
      for (let y = 0; y < 8; y++) expect(Math.abs(v.data[y * 24 + x] - want)).toBeLessThanOrEqual(1);
    }
  });

  it('a JPEG cut off in its header or in its scan data fails', async () => {
    const head = write('cut-head.jpg', greyJpeg([100, 200, 37]).subarray(0, 120));
    expect(await failure(readImage(head), head)).toMatch(/JPEG/);
    const rgba = new Uint8Array(64 * 64 * 4).map((_, i) => (i * 37) % 256);
    const full = jpeg.encode({ width: 64, height: 64, data: rgba }, 90).data;
    const scan = write('cut-scan.jpg', full.subarray(0, Math.floor(full.length * 0.9)));
    expect(await failure(readImage(scan), scan)).toMatch(/JPEG/);
  });
});

describe('readImage: PGM', () => {
  it('P5 8-bit, with a comment in the header', async () => {
    const head = new TextEncoder().encode('P5\n# made by hand\n3 2\n255\n');
    const file = write('a.pgm', new Uint8Array([...head, 0, 1, 2, 253, 254, 255]));
    const v = await readImage(file);
    expect(v.shape).toEqual([1, 2, 3]);
    expect(v.channels).toBe(1);
    expect(Array.from(v.data)).toEqual([0, 1, 2, 253, 254, 255]);
  });

  it('P5 16-bit is big-endian', async () => {
    const head = new TextEncoder().encode('P5 2 1 65535 ');
    const file = write('b.pgm', new Uint8Array([...head, 0x01, 0x02, 0xff, 0xfe]));
    expect(Array.from((await readImage(file)).data)).toEqual([0x0102, 0xfffe]);
  });

  it('P2 (ASCII) with comments anywhere', async () => {
    const file = write('c.pgm', 'P2\n3 2 # size\n4095\n0 1 2\n# row two\n4000 4095 7\n');
    const v = await readImage(file);
    expect(v.shape).toEqual([1, 2, 3]);
    expect(Array.from(v.data)).toEqual([0, 1, 2, 4000, 4095, 7]);
  });

  it('truncated data, a bad maxval and a value above maxval fail', async () => {
    const short = write('short.pgm', new Uint8Array([...new TextEncoder().encode('P5 3 2 255\n'), 1, 2, 3]));
    expect(await failure(readImage(short), short)).toMatch(/truncated PGM.*6 bytes, found 3/);
    const maxval = write('maxval.pgm', 'P2 1 1 70000 5');
    expect(await failure(readImage(maxval), maxval)).toMatch(/maxval/);
    const above = write('above.pgm', 'P2 2 1 10 5 11');
    expect(await failure(readImage(above), above)).toMatch(/not an integer in 0\.\.10/);
  });
});

describe('readNpyVolume', () => {
  const npy = (values: ArrayLike<number> | string[], shape: number[], dtype?: DType): Uint8Array =>
    new Uint8Array(dump(values as Parameters<typeof dump>[0], shape, dtype ? { dtype } : undefined));

  it('a 3D int16 array in HU: shape [D, H, W], dims 3, CT', async () => {
    const values = Int16Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 100 - 1024);
    const v = await readNpyVolume(write('ct.npy', npy(values, [2, 3, 4])));
    expect(v.shape).toEqual([2, 3, 4]);
    expect(v.dims).toBe(3);
    expect(v.units).toBe('HU');
    expect(v.modality).toBe('CT');
    expect(Array.from(v.data)).toEqual(Array.from(values));
  });

  it('a 2D float32 array: shape [1, H, W], dims 2, stored units', async () => {
    const values = Float32Array.from({ length: 6 }, (_, i) => i / 4);
    const v = await readNpyVolume(write('img.npy', npy(values, [2, 3])));
    expect(v.shape).toEqual([1, 2, 3]);
    expect(v.dims).toBe(2);
    expect(v.units).toBe('stored');
    expect(Array.from(v.data)).toEqual(Array.from(values));
  });

  it('uint8 and float64; leading axes of size 1 are dropped', async () => {
    const u8 = await readNpyVolume(write('u8.npy', npy(Uint8Array.from([1, 2, 3, 4]), [1, 1, 2, 2])));
    expect(u8.shape).toEqual([1, 2, 2]);
    expect(u8.dims).toBe(3);
    const f64 = await readNpyVolume(write('f64.npy', npy(Float64Array.from([0.5, -2000, 3]), [3, 1])));
    expect(Array.from(f64.data)).toEqual([0.5, -2000, 3]);
    expect(f64.units).toBe('HU');
  });

  it('wrong rank, truncated data, strings and non-npy files fail with a reason', async () => {
    const rank = write('rank.npy', npy(Float32Array.from([1, 2, 3]), [3]));
    expect(await failure(readNpyVolume(rank), rank)).toMatch(/expected an image \(H, W\) or a volume/);
    const full = npy(Int16Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    const cut = write('cut.npy', full.subarray(0, full.length - 4));
    expect(await failure(readNpyVolume(cut), cut)).toMatch(/truncated/);
    const strings = write('str.npy', npy(['ab', 'cd'], [2, 1]));
    expect(await failure(readNpyVolume(strings), strings)).toMatch(/unsupported dtype/);
    const text = write('text.npy', 'just text');
    expect(await failure(readNpyVolume(text), text)).toMatch(/not an \.npy file/);
  });
});

describe('readPngStack', () => {
  const slicePng = (value: number, w = 4, h = 3): Uint8Array => encodePng({ width: w, height: h, data: new Uint8Array(w * h).fill(value), channels: 1, depth: 8 });

  it('orders slice1..slice12 by number (slice2 < slice10), whatever the creation order', async () => {
    const folder = join(dir, 'stack ü');
    const order = [7, 12, 1, 10, 3, 2, 11, 5, 9, 4, 8, 6]; // shuffled creation order
    const files = order.map((n) => write(join('stack ü', `slice${n}.png`), slicePng(n * 10)));
    const listed = readdirSync(folder).map((f) => join(folder, f));
    const v = await readPngStack(listed);
    expect(v.shape).toEqual([12, 3, 4]);
    expect(v.dims).toBe(3);
    expect(v.channels).toBe(1);
    for (let z = 0; z < 12; z++) expect(v.data[z * 12]).toBe((z + 1) * 10);
    expect(v.warnings).toEqual([]);
    expect(sortSliceFiles(files).map((f) => f.slice(folder.length + 1))).toEqual(
      Array.from({ length: 12 }, (_, i) => `slice${i + 1}.png`),
    );
  });

  it('natural sort compares every number in the name, and leading zeros do not matter', () => {
    expect(sortSliceFiles(['s2_10.png', 's10_1.png', 's2_9.png', 's02_11.png'])).toEqual(['s2_9.png', 's2_10.png', 's02_11.png', 's10_1.png']);
  });

  it('a slice of another size is named in the error', async () => {
    const a = write('mixed/1.png', slicePng(1));
    const b = write('mixed/2.png', slicePng(2, 5, 3));
    const reason = await failure(readPngStack([b, a]), b);
    expect(reason).toMatch(/slice is 5x3.*first slice 1\.png is 4x3/);
  });

  it('warns about a gap in the numbering', async () => {
    const files = [1, 2, 4].map((n) => write(`gap/${n}.png`, slicePng(n)));
    const v = await readPngStack(files);
    expect(v.shape[0]).toBe(3);
    expect(v.warnings.join(' ')).toMatch(/jump from 2 to 4/);
  });

  it('real LIDC nodule stacks have the slice counts of index.csv, slices in numeric order', async () => {
    const rows = readFileSync(join(LIDC, 'index.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','))
      .map(([noduleDir, , , , n]) => ({ noduleDir, n: Number(n) }));
    expect(rows).toHaveLength(882);
    // The deepest stack, stacks whose folder names contain spaces, a single slice, and a few more.
    const byDepth = [...rows].sort((a, b) => b.n - a.n);
    const picks = [byDepth[0], byDepth[1], ...rows.filter((r) => r.noduleDir.includes(' ')).slice(0, 2), rows.find((r) => r.n === 1)!, rows[100], rows[500]];
    const out = join(dir, 'lidc');
    mkdirSync(out);
    execFileSync('tar', ['-xf', join(LIDC, 'images.tar'), '-C', out, ...picks.map((p) => p.noduleDir)]);

    for (const { noduleDir, n } of picks) {
      const folder = join(out, noduleDir);
      const files = readdirSync(folder).filter((f) => f.endsWith('.png')).map((f) => join(folder, f));
      const t0 = performance.now();
      const v = await readPngStack(files);
      const ms = performance.now() - t0;
      if (noduleDir === byDepth[0].noduleDir) console.log(`LIDC stack ${noduleDir}: ${n} slices read in ${ms.toFixed(1)} ms`);
      expect(v.shape, noduleDir).toEqual([n, 64, 64]);
      expect(v.channels).toBe(1);
      expect(v.warnings).toEqual([]);
      // Slice z is the file z.png (the README: slice indices contiguous 0..n-1).
      for (const z of [0, Math.floor(n / 2), n - 1]) {
        const single = await readImage(join(folder, `${z}.png`));
        expect(Array.from(v.data.subarray(z * 64 * 64, (z + 1) * 64 * 64)), `${noduleDir} slice ${z}`).toEqual(Array.from(single.data));
      }
      expect(v.data.every((x) => x >= 0 && x <= 255 && Number.isInteger(x))).toBe(true);
    }
  });
});
