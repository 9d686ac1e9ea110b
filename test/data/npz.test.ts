// .npz files of every supported layout and dtype load correctly, and every bad file fails with an error
// that names the file and the reason. Fixtures are written to a temp folder with fflate and npyjs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { dump, type DType } from 'npyjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src-main/data/load';
import { rawNpy } from '../helpers/oversized-files';

const dir = mkdtempSync(join(tmpdir(), 'ddcnn-npz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Values = Uint8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array | string[];

function npy(values: Values, shape: number[], dtype?: DType): Uint8Array {
  return new Uint8Array(dump(values as Parameters<typeof dump>[0], shape, dtype ? { dtype } : undefined));
}

function writeNpz(name: string, arrays: Record<string, Uint8Array>): string {
  const file = join(dir, name);
  const entries = Object.fromEntries(Object.entries(arrays).map(([k, v]) => [`${k}.npy`, v]));
  writeFileSync(file, zipSync(entries));
  return file;
}

/** n samples of a shape, sample i filled with the value i (so samples can be told apart after loading). */
function samples(n: number, shape: number[]): Uint8Array {
  const size = shape.reduce((a, b) => a * b, 1);
  return Uint8Array.from({ length: n * size }, (_, k) => Math.floor(k / size));
}

const alternating = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i % 2);

describe('npz layouts', () => {
  it('reads a flat 2D RGB file (N,H,W,3) with generic class names', async () => {
    const file = writeNpz('rgb.npz', {
      images: npy(samples(6, [4, 5, 3]), [6, 4, 5, 3]),
      labels: npy(Uint8Array.from([0, 1, 2, 0, 1, 2]), [6]),
    });
    const ds = await loadDataset(file);
    expect(ds.name).toBe('rgb');
    expect(ds.spatialShape).toEqual([4, 5]);
    expect(ds.channels).toBe(3);
    expect(ds.classes).toEqual(['class 0', 'class 1', 'class 2']);
    expect(ds.citation).toBeUndefined();
    const all = ds.splits.all!;
    expect(Array.from(all.y)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(all.x[60 * 5]).toBeCloseTo(5 / 255, 7);
    expect(all.groups).toBeUndefined();
  });

  it('reads x/y keys, (N,H,W) grey images and integer groups as strings', async () => {
    const file = writeNpz('xy.npz', {
      x: npy(samples(4, [3, 3]), [4, 3, 3]),
      y: npy(BigInt64Array.from([0n, 1n, 1n, 0n]), [4]),
      groups: npy(Int32Array.from([7, 7, 8, 9]), [4]),
    });
    const ds = await loadDataset(file);
    expect(ds.spatialShape).toEqual([3, 3]);
    expect(ds.channels).toBe(1);
    expect(ds.splits.all!.groups).toEqual(['7', '7', '8', '9']);
    expect(Array.from(ds.splits.all!.y)).toEqual([0, 1, 1, 0]);
  });

  it('reads unicode groups and (N,D,H,W) volumes', async () => {
    const file = writeNpz('volumes.npz', {
      // A last axis of 4 or less would be read as channels; volumes are wider than that.
      images: npy(samples(3, [2, 3, 5]), [3, 2, 3, 5]),
      labels: npy(Uint8Array.from([1, 0, 1]), [3]),
      groups: npy(['patient-a', 'patient-b', 'patient-a'], [3]),
    });
    const ds = await loadDataset(file);
    expect(ds.spatialShape).toEqual([2, 3, 5]);
    expect(ds.channels).toBe(1);
    expect(ds.splits.all!.groups).toEqual(['patient-a', 'patient-b', 'patient-a']);
  });

  it('min-max scales float images with one range over all splits, labels of shape (N,1)', async () => {
    const file = writeNpz('float.npz', {
      train_images: npy(Float32Array.from([-10, 0, 10, 30]), [2, 1, 2]),
      train_labels: npy(Uint8Array.from([0, 1]), [2, 1]),
      test_images: npy(Float64Array.from([30, 20, 10, -10]), [2, 1, 2]),
      test_labels: npy(Uint8Array.from([1, 0]), [2, 1]),
    });
    const ds = await loadDataset(file);
    expect(ds.splits.val).toBeUndefined();
    expect(Array.from(ds.splits.train!.x)).toEqual([0, 0.25, 0.5, 1]);
    expect(Array.from(ds.splits.test!.x)).toEqual([1, 0.75, 0.5, 0]);
  });

  it('min-max scales int16 (HU-like) images', async () => {
    const file = writeNpz('hu.npz', {
      images: npy(Int16Array.from([-1000, 0, 1000, 3000]), [2, 1, 2]),
      labels: npy(Uint8Array.from([0, 1]), [2]),
    });
    const ds = await loadDataset(file);
    expect(Array.from(ds.splits.all!.x)).toEqual([0, 0.25, 0.5, 1]);
  });
});

describe('bad npz files fail with an error naming the file and the reason', () => {
  const valid = () => ({ images: npy(samples(4, [2, 2]), [4, 2, 2]), labels: npy(alternating(4), [4]) });

  async function expectFailure(file: string, reason: RegExp): Promise<void> {
    const err = await loadDataset(file).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err, `${file} should fail`).toBeInstanceOf(Error);
    expect(err!.message).toContain(file);
    expect(err!.message).toMatch(reason);
  }

  it('not found', async () => {
    await expectFailure(join(dir, 'missing.npz'), /not found/);
  });

  it('not a zip', async () => {
    const file = join(dir, 'text.npz');
    writeFileSync(file, 'this is not a zip archive');
    await expectFailure(file, /not a zip/);
  });

  it('empty file', async () => {
    const file = join(dir, 'empty.npz');
    writeFileSync(file, '');
    await expectFailure(file, /empty/);
  });

  it('truncated zip', async () => {
    const good = zipSync({ 'images.npy': valid().images, 'labels.npy': valid().labels });
    const file = join(dir, 'truncated.npz');
    writeFileSync(file, good.subarray(0, Math.floor(good.length * 0.6)));
    await expectFailure(file, /truncated/);
  });

  it('truncated array inside a valid zip', async () => {
    const images = valid().images;
    const file = writeNpz('short-array.npz', { images: images.subarray(0, images.length - 3), labels: valid().labels });
    await expectFailure(file, /'images' is truncated/);
  });

  it('missing labels key', async () => {
    const file = writeNpz('no-labels.npz', { images: valid().images });
    await expectFailure(file, /missing key 'labels'/);
  });

  it('missing images key', async () => {
    const file = writeNpz('no-images.npz', { labels: valid().labels });
    await expectFailure(file, /missing key 'images'/);
  });

  it('MedMNIST layout with a split missing its labels', async () => {
    const v = valid();
    const file = writeNpz('no-val-labels.npz', { train_images: v.images, train_labels: v.labels, val_images: v.images });
    await expectFailure(file, /missing key 'val_labels'/);
  });

  it('label count mismatch', async () => {
    const file = writeNpz('mismatch.npz', { images: valid().images, labels: npy(alternating(3), [3]) });
    await expectFailure(file, /label count mismatch: 'images' has 4 samples but 'labels' has 3/);
  });

  it('groups count mismatch', async () => {
    const file = writeNpz('groups.npz', { ...valid(), groups: npy(['a', 'b'], [2]) });
    await expectFailure(file, /groups have shape/);
  });

  it('shape mismatch between splits', async () => {
    const v = valid();
    const file = writeNpz('splits-differ.npz', {
      train_images: v.images,
      train_labels: v.labels,
      test_images: npy(samples(4, [3, 3]), [4, 3, 3]),
      test_labels: v.labels,
    });
    await expectFailure(file, /shape mismatch/);
  });

  it('a single class', async () => {
    const file = writeNpz('one-class.npz', { images: valid().images, labels: npy(new Uint8Array(4), [4]) });
    await expectFailure(file, /single class/);
  });

  it('unsupported dtype (complex images)', async () => {
    const file = writeNpz('complex.npz', { images: npy(new Float32Array(32), [4, 2, 2], 'c8'), labels: valid().labels });
    await expectFailure(file, /unsupported dtype c8/);
  });

  it('unsupported dtype (string images)', async () => {
    const file = writeNpz('strings.npz', { images: npy(['a', 'b', 'c', 'd'], [4]), labels: valid().labels });
    await expectFailure(file, /unsupported dtype U1/);
  });

  it('unsupported dtype (object arrays)', async () => {
    const images = rawNpy("{'descr': '|O', 'fortran_order': False, 'shape': (4, 2, 2), }", new Uint8Array(128));
    const file = writeNpz('object.npz', { images, labels: valid().labels });
    await expectFailure(file, /unsupported dtype/);
  });

  it('Fortran-order arrays', async () => {
    const images = rawNpy("{'descr': '|u1', 'fortran_order': True, 'shape': (4, 2, 2), }", samples(4, [2, 2]));
    const file = writeNpz('fortran.npz', { images, labels: valid().labels });
    await expectFailure(file, /Fortran order/);
  });

  it('images of an unsupported rank', async () => {
    const file = writeNpz('rank2.npz', { images: npy(samples(4, [2]), [4, 2]), labels: valid().labels });
    await expectFailure(file, /expected \(N,H,W\)/);
  });

  it('negative or fractional labels', async () => {
    const file = writeNpz('neg.npz', { images: valid().images, labels: npy(Float32Array.from([0, 1, 0.5, 1]), [4]) });
    await expectFailure(file, /non-negative integers/);
  });

  it('a spec that is neither a known name nor an .npz file', async () => {
    await expectFailure(join(dir, 'volume.nii.gz'), /unsupported data set spec/);
  });
});
