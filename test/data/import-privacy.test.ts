// Privacy: patient-identifying DICOM tags never reach the import cache, its manifest, the inspect report, the
// CLI's output, nor the run.json, logs, metrics or dataset cache of a run trained on the scans. Patients are
// grouped by a hash of PatientID keyed with a secret that only the import cache's manifest holds. The scans are real GE CT
// slices whose PatientName, PatientID and AccessionNumber are overwritten in place with known strings.
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImportCache } from '../../src-main/data/import/build';
import { readImportManifest } from '../../src-main/data/import/import-manifest';
import { inspectSource } from '../../src-main/data/import/inspect';
import { createRun } from '../../src-main/runs/create-run';
import { executeRun } from '../../src-main/runs/execute-run';
import { forkLauncher } from '../../src-main/runs/launcher';
import { readRunRecord } from '../../src-main/runs/run-record';
import { ddcnn } from '../helpers/cli';
import { filesBelow, removeTempDirs, tempDir } from '../helpers/import-fixtures';
import { PATIENTS, expectNoSecretIn, patientId, plantedTagSource } from '../helpers/planted-tags';

afterAll(removeTempDirs);

describe('patient-identifying tags', () => {
  let src: string;
  let ws: string;
  beforeAll(() => {
    // The source does hold them (plantedTagSource checks), so the checks below are not vacuous.
    src = plantedTagSource(path.join(tempDir(), 'privacy'));
    ws = tempDir();
  });

  it('never reach the inspect report, the output of ddcnn dataset inspect and build, or the import cache', async () => {
    const report = await inspectSource(src, { workers: 2 });
    expect(report.cases).toHaveLength(11);
    expectNoSecretIn('the inspect report', JSON.stringify(report));
    for (const args of [['inspect', src], ['inspect', src, '--json'], ['build', src, '--shape', '4x16x16', '--window', '-1000,400', '--workspace', tempDir(), '--json']]) {
      const r = await ddcnn(['dataset', ...args, '--workers', '2']);
      expect(r.code, r.stderr).toBe(0);
      expectNoSecretIn(`the output of ddcnn dataset ${args[0]}`, r.stdout + r.stderr);
    }
    const built = await buildImportCache(src, { shape: [4, 16, 16], window: [-1000, 400] }, { cacheRoot: path.join(ws, 'datasets'), workers: 2 });
    expect(built.manifest.cases.filter((c) => c.id.startsWith('chest/'))).toHaveLength(6);
    for (const f of filesBelow(built.dir)) expectNoSecretIn(f, fs.readFileSync(f).toString('latin1'));
  });

  it('group the two series of one PatientID together and other patients apart, by a hash keyed with the cache\'s own secret', async () => {
    const built = await buildImportCache(src, { shape: [4, 16, 16], window: [-1000, 400] }, { cacheRoot: path.join(ws, 'datasets'), workers: 2 });
    const m = built.manifest;
    const group = (id: string) => m.cases.find((c) => c.id === id)?.group;
    expect(m.groupKey).toMatch(/^[0-9a-f]{64}$/);
    // HMAC-SHA256 with the manifest's key, computed here with node:crypto.
    const keyed = (id: string) => `patient-${createHmac('sha256', Buffer.from(m.groupKey, 'hex')).update(id).digest('hex').slice(0, 16)}`;
    for (let i = 0; i < PATIENTS; i++) expect(group(`chest/patient ${i}`)).toBe(keyed(patientId(i)));
    expect(group('chest/patient 0 rescan')).toBe(group('chest/patient 0'));
    expect(new Set(Array.from({ length: PATIENTS }, (_, i) => group(`chest/patient ${i}`))).size).toBe(PATIENTS);
    // Another report or cache has another key, so its groups cannot be matched with these.
    const report = await inspectSource(src, { workers: 2 });
    const other = report.cases.find((c) => c.id === 'chest/patient 0')!.group;
    expect(other).toMatch(/^patient-[0-9a-f]{16}$/);
    expect(other).not.toBe(group('chest/patient 0'));
    expect(report.groups).toEqual({ count: PATIENTS + 5, groupedCases: PATIENTS + 1 });
  });

  it('never reach the run.json, logs, metrics or caches of a run trained on them', async () => {
    const runDir = await createRun(ws, {
      data: src,
      grid: [2, 1, 1],
      overlap: 0,
      family: 'vgg',
      width: 4,
      epochs: 1,
      batch: 4,
      learningRate: 1e-3,
      seed: 3,
      global: false,
      shape: [4, 16, 16],
      window: [-1000, 400],
    });
    const rec = await executeRun(runDir, { launcher: forkLauncher, workers: 2 }).done;
    expect(rec.status, rec.error).toBe('completed');
    expect(readRunRecord(runDir).preprocessing.recipe).toEqual({ shape: [4, 16, 16], window: [-1000, 400], channels: 1 });
    const files = filesBelow(ws);
    expect(files.some((f) => f.endsWith('run.json'))).toBe(true);
    expect(files.some((f) => f.includes(`${path.sep}logs${path.sep}`))).toBe(true);
    // Nor does the secret key of the import cache the run was built from (it stays in that cache's manifest).
    const caches = fs.readdirSync(path.join(ws, 'datasets')).map((d) => readImportManifest(path.join(ws, 'datasets', d)));
    const keys = caches.map((c) => c.groupKey);
    expect(keys.length).toBeGreaterThan(0);
    for (const f of files.filter((x) => !x.startsWith(path.join(ws, 'datasets') + path.sep))) expectNoSecretIn(f, fs.readFileSync(f).toString('latin1'), keys);
    for (const f of files) expectNoSecretIn(f, fs.readFileSync(f).toString('latin1'));
  }, 120_000);
});
