// Every pixel codec and stored-value rule of the DICOM reader: real CT slices re-encoded here as RLE, JPEG
// lossless (processes 14 and 14 SV1), JPEG-LS and big endian must decode to exactly the voxels of the
// uncompressed originals; BitsStored masking, sign extension, padding and colour are checked on small
// synthetic images whose expected values are computed by hand.

import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { looksLikeDicom, readDicomSeries, scanDicomFiles } from '../../src-main/data/dicom/index';
import type { Volume } from '../../src-main/data/volume';
import {
  DATA,
  dicomFile,
  el,
  encodeJpegLossless,
  encodeJpegLs,
  encodeRle,
  imageElements,
  int16Bytes,
  readReal,
  TS,
  uint16Bytes,
  type RealSlice,
  type SliceSpec,
} from './dicom-fixtures';

const tmp = mkdtempSync(join(tmpdir(), 'ddcnn-dicom-codecs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SIEMENS = join(DATA, 'totalsegmentator_example_ct_dicom_uncompressed');
const GE = join(DATA, 'dcmqi_ct_3slice');
let n = 0;

function write(bytes: Uint8Array, name = `f${n++}.dcm`): string {
  const file = join(tmp, name);
  writeFileSync(file, bytes);
  return file;
}

function sameVoxels(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The tags of a real slice as a SliceSpec (geometry, rescale, bit layout). */
function specOf(s: RealSlice, over: Partial<SliceSpec> = {}): SliceSpec {
  return {
    rows: s.rows,
    columns: s.columns,
    bitsStored: s.bitsStored,
    signed: s.signed,
    position: s.position,
    orientation: s.orientation,
    pixelSpacing: s.pixelSpacing,
    slope: s.slope,
    intercept: s.intercept,
    ...over,
  };
}

interface Source {
  name: string;
  file: string;
  slice: RealSlice;
  original: Volume;
}
const sources: Source[] = [];
beforeAll(async () => {
  for (const [name, dir] of [
    ['Siemens unsigned 12-bit', SIEMENS],
    ['GE signed 16-bit with -2000 padding', GE],
  ] as const) {
    const file = join(dir, readdirSync(dir).sort()[0]);
    sources.push({ name, file, slice: readReal(file), original: await readDicomSeries([file]) });
  }
});

/** Reads a re-encoded copy of a source and checks it against the original. */
async function expectSameAsOriginal(src: Source, transferSyntax: string, fragments: Uint8Array[]): Promise<void> {
  const file = write(dicomFile({ transferSyntax, elements: imageElements(specOf(src.slice)), pixels: { fragments } }));
  const { series, skipped } = await scanDicomFiles([file], tmp);
  expect(skipped).toEqual([]);
  const v = await readDicomSeries(series[0].files);
  expect(v.shape).toEqual([1, 512, 512]);
  expect(sameVoxels(v.data, src.original.data)).toBe(true);
}

describe('compressed transfer syntaxes decode to the uncompressed voxels', () => {
  it('RLE Lossless (1.2.840.10008.1.2.5)', async () => {
    for (const src of sources) await expectSameAsOriginal(src, TS.rle, [encodeRle(src.slice.pixelBytes, 512 * 512, 1, 2)]);
  });

  it('JPEG Lossless process 14 SV1 (1.2.840.10008.1.2.4.70) and process 14 (1.2.840.10008.1.2.4.57)', async () => {
    for (const src of sources) {
      const samples = new Uint16Array(src.slice.pixelBytes.buffer, 0, 512 * 512);
      const jpeg = encodeJpegLossless(samples, 512, 512, 16);
      await expectSameAsOriginal(src, TS.jpegLossless, [jpeg]);
      await expectSameAsOriginal(src, TS.jpegLossless57, [jpeg]);
    }
  });

  it('JPEG-LS Lossless (1.2.840.10008.1.2.4.80), encoded with CharLS', async () => {
    for (const src of sources) {
      const jls = await encodeJpegLs(src.slice.pixelBytes, 512, 512, 16);
      expect(jls.length).toBeLessThan(src.slice.pixelBytes.length / 2);
      await expectSameAsOriginal(src, TS.jpegLs, [jls]);
    }
  });

  it('a frame split over several fragments', async () => {
    const src = sources[0];
    const rle = encodeRle(src.slice.pixelBytes, 512 * 512, 1, 2);
    const cut = 20_000;
    await expectSameAsOriginal(src, TS.rle, [rle.subarray(0, cut), rle.subarray(cut)]);
  });

  it('Explicit VR Big Endian (1.2.840.10008.1.2.2)', async () => {
    for (const src of sources) {
      const swapped = new Uint8Array(src.slice.pixelBytes.length);
      for (let i = 0; i < swapped.length; i += 2) {
        swapped[i] = src.slice.pixelBytes[i + 1];
        swapped[i + 1] = src.slice.pixelBytes[i];
      }
      const file = write(dicomFile({ transferSyntax: TS.bigEndian, elements: imageElements(specOf(src.slice)), pixels: swapped }));
      const v = await readDicomSeries([file]);
      expect(sameVoxels(v.data, src.original.data)).toBe(true);
    }
  });

  it('a bare Implicit VR data set without preamble', async () => {
    const src = sources[1];
    const bytes = dicomFile({ transferSyntax: TS.implicit, elements: imageElements(specOf(src.slice)), pixels: src.slice.pixelBytes, bare: true });
    const file = write(bytes);
    expect(looksLikeDicom(file)).toBe(true);
    const { series, skipped } = await scanDicomFiles([file], tmp);
    expect(skipped).toEqual([]);
    const v = await readDicomSeries(series[0].files);
    expect(sameVoxels(v.data, src.original.data)).toBe(true);
  });
});

describe('file layout', () => {
  it('reads a file whose header is longer than the 64 kB read first (a large private element)', async () => {
    const src = sources[0];
    const big = el(0x00291010, 'OB', Uint8Array.from({ length: 150_000 }, (_, i) => i % 251));
    const elements = [...imageElements(specOf(src.slice)), el(0x00290010, 'LO', 'SIEMENS CSA HEADER'), big];
    const file = write(dicomFile({ transferSyntax: TS.explicit, elements, pixels: src.slice.pixelBytes }));
    const { series, skipped } = await scanDicomFiles([file], tmp);
    expect(skipped).toEqual([]);
    const v = await readDicomSeries(series[0].files);
    expect(sameVoxels(v.data, src.original.data)).toBe(true);
  });
});

/** A 4x4 single-slice image of the given stored bytes, read back. */
async function readSynthetic(pixels: Uint8Array, spec: Partial<SliceSpec>, transferSyntax = TS.explicit): Promise<Volume> {
  const file = write(dicomFile({ transferSyntax, elements: imageElements({ rows: 4, columns: 4, ...spec }), pixels }));
  return readDicomSeries([file]);
}

describe('stored values to HU', () => {
  it('masks the bits above BitsStored and sign-extends a 12-bit signed value', async () => {
    // Stored 12-bit two's complement in 16 bits, with junk (overlay bits) in the top nibble.
    const values = [-2048, -1, 0, 1, 2047, -1000, 1000, 5, -5, 0, 0, 0, 0, 0, 0, 100];
    const raw = values.map((v) => (v & 0xfff) | 0xa000);
    const v = await readSynthetic(uint16Bytes(raw), { bitsStored: 12, signed: true, slope: 2, intercept: -10, modality: 'MR' });
    expect(Array.from(v.data)).toEqual(values.map((x) => x * 2 - 10));
    expect(v.units).toBe('stored');
    expect(v.modality).toBe('MR');
  });

  it('masks an unsigned 12-bit value', async () => {
    const values = [0, 4095, 1, 2863, ...new Array(12).fill(7)];
    const v = await readSynthetic(uint16Bytes(values.map((x) => x | 0xf000)), { bitsStored: 12, signed: false });
    expect(Array.from(v.data)).toEqual(values.map((x) => x - 1024));
  });

  it('reads values stored below a HighBit other than BitsStored - 1', async () => {
    // BitsStored 12, HighBit 15: the value sits in the top 12 bits.
    const values = [0, 100, 4095, ...new Array(13).fill(1)];
    const v = await readSynthetic(uint16Bytes(values.map((x) => (x << 4) | 0x7)), { bitsStored: 12, highBit: 15, intercept: 0 });
    expect(Array.from(v.data)).toEqual(values);
  });

  it('honours a signed 16-bit PixelRepresentation (-32768 and -2000 are CT padding: air)', async () => {
    const values = [-32768, -2000, -1999, -1024, 0, 3071, 32767, ...new Array(9).fill(24)];
    const v = await readSynthetic(int16Bytes(values), { signed: true, slope: 1, intercept: 0 });
    expect(Array.from(v.data)).toEqual([-1024, -1024, -1999, -1024, 0, 3071, 32767, ...new Array(9).fill(24)]);
  });

  it('PixelPaddingValue of unsigned data becomes -1024 HU for CT', async () => {
    const values = [0, 5, 65535, 10, ...new Array(12).fill(1024)];
    const v = await readSynthetic(uint16Bytes(values), { padding: 65535, intercept: -1024 });
    expect(Array.from(v.data)).toEqual([-1024, -1019, -1024, -1014, ...new Array(12).fill(0)]);
  });

  it('padding of non-CT data becomes the smallest other value of the slice', async () => {
    const values = [0, 50, 60, 70, ...new Array(12).fill(80)];
    const v = await readSynthetic(uint16Bytes(values), { padding: 0, intercept: 0, modality: 'MR' });
    expect(Array.from(v.data)).toEqual([50, 50, 60, 70, ...new Array(12).fill(80)]);
  });

  it('applies a RescaleSlope', async () => {
    const values = Array.from({ length: 16 }, (_, i) => i * 10);
    const v = await readSynthetic(uint16Bytes(values), { slope: 0.5, intercept: -1000 });
    expect(Array.from(v.data)).toEqual(values.map((x) => x * 0.5 - 1000));
  });

  it('reads 8-bit data, native and RLE', async () => {
    const values = Array.from({ length: 16 }, (_, i) => (i * 37) % 256);
    const spec = { bitsAllocated: 8, bitsStored: 8, intercept: 0, modality: 'OT' };
    const native = await readSynthetic(Uint8Array.from(values), spec);
    expect(Array.from(native.data)).toEqual(values);
    const file = write(
      dicomFile({ transferSyntax: TS.rle, elements: imageElements({ rows: 4, columns: 4, ...spec }), pixels: { fragments: [encodeRle(Uint8Array.from(values), 16, 1, 1)] } }),
    );
    expect(Array.from((await readDicomSeries([file])).data)).toEqual(values);
  });

  it('reads RGB colour, interleaved, planar and RLE, as 3 channels without rescale', async () => {
    const rgb = Array.from({ length: 16 * 3 }, (_, i) => (i * 11) % 256); // R0 G0 B0 R1 ...
    const planar = [0, 1, 2].flatMap((c) => Array.from({ length: 16 }, (_, p) => rgb[p * 3 + c]));
    const spec = { bitsAllocated: 8, bitsStored: 8, samplesPerPixel: 3, modality: 'XC' };
    const interleaved = await readSynthetic(Uint8Array.from(rgb), spec);
    expect(interleaved.channels).toBe(3);
    expect(interleaved.shape).toEqual([1, 4, 4]);
    expect(Array.from(interleaved.data)).toEqual(rgb);
    const fromPlanar = await readSynthetic(Uint8Array.from(planar), { ...spec, planar: 1 });
    expect(Array.from(fromPlanar.data)).toEqual(rgb);
    const file = write(
      dicomFile({ transferSyntax: TS.rle, elements: imageElements({ rows: 4, columns: 4, ...spec }), pixels: { fragments: [encodeRle(Uint8Array.from(rgb), 16, 3, 1)] } }),
    );
    expect(Array.from((await readDicomSeries([file])).data)).toEqual(rgb);
  });
});

describe('multi-frame files', () => {
  it('reads an enhanced multi-frame CT (frames in shuffled order) like the 20-file series', async () => {
    const files = readdirSync(SIEMENS).map((f) => join(SIEMENS, f));
    const slices = files.map(readReal);
    const order = slices.map((_, i) => (i * 7 + 5) % slices.length);
    const frames = order.map((i) => slices[i]);
    const first = slices[0];
    const perFrame = frames.map((s) => [
      el(0x00209113, 'SQ', [[el(0x00200032, 'DS', s.position.join('\\'))]]),
      el(0x00289145, 'SQ', [[el(0x00281052, 'DS', String(s.intercept)), el(0x00281053, 'DS', String(s.slope))]]),
    ]);
    const shared = [
      [
        el(0x00209116, 'SQ', [[el(0x00200037, 'DS', first.orientation.join('\\'))]]),
        el(0x00289110, 'SQ', [[el(0x00280030, 'DS', first.pixelSpacing.join('\\')), el(0x00180050, 'DS', '3')]]),
      ],
    ];
    const pixels = new Uint8Array(frames.length * first.pixelBytes.length);
    frames.forEach((s, i) => pixels.set(s.pixelBytes, i * first.pixelBytes.length));
    const spec = specOf(first, { position: undefined, orientation: undefined, pixelSpacing: undefined, slope: 99, intercept: 99, frames: frames.length });
    const elements = [...imageElements(spec), el(0x52009229, 'SQ', shared), el(0x52009230, 'SQ', perFrame)];
    const file = write(dicomFile({ transferSyntax: TS.explicit, elements, pixels }), 'enhanced.dcm');
    const v = await readDicomSeries([file]);
    const series = await readDicomSeries(files);
    expect(v.shape).toEqual([20, 512, 512]);
    expect(v.spacing).toEqual(series.spacing);
    expect(sameVoxels(v.data, series.data)).toBe(true);
  });

  it('reads a multi-frame RLE file with one fragment per frame', async () => {
    // Two frames at z 0 and 1 given through per-frame positions, stored in reverse order.
    const a = Uint8Array.from({ length: 16 }, (_, i) => i);
    const b = Uint8Array.from({ length: 16 }, (_, i) => 100 + i);
    const perFrame = [1, 0].map((z) => [el(0x00209113, 'SQ', [[el(0x00200032, 'DS', `0\\0\\${z}`)]])]);
    const elements = [
      ...imageElements({ rows: 4, columns: 4, bitsAllocated: 8, bitsStored: 8, intercept: 0, orientation: [1, 0, 0, 0, 1, 0], frames: 2 }),
      el(0x52009230, 'SQ', perFrame),
    ];
    const file = write(dicomFile({ transferSyntax: TS.rle, elements, pixels: { fragments: [encodeRle(b, 16, 1, 1), encodeRle(a, 16, 1, 1)] } }));
    const v = await readDicomSeries([file]);
    expect(v.shape).toEqual([2, 4, 4]);
    expect(Array.from(v.data)).toEqual([...a, ...b]);
  });
});

describe('JPEG 2000 real files', () => {
  it('decodes without printing OpenJPEG [INFO] lines', async () => {
    const dir = join(tmp, 'j2k');
    mkdirSync(dir);
    const src = join(DATA, 'totalsegmentator_example_ct_dicom');
    const file = join(dir, 'one.dcm');
    copyFileSync(join(src, readdirSync(src)[0]), file);
    const writes: string[] = [];
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => (writes.push(String(s)), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => (writes.push(String(s)), true)) as typeof process.stderr.write;
    try {
      await readDicomSeries([file]);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    expect(writes.join('')).not.toContain('[INFO]');
  });
});
