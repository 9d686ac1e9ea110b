// Unreadable files and folders in a data set: each is listed with "permission denied", a DICOM series with an
// unreadable file is not imported (it may miss a slice), and the rest imports. Root reads every file whatever
// its mode, so when the tests run as root (CI) the import runs as the unprivileged user 'nobody'.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DDCNN_BIN } from '../helpers/cli';
import { DICOM_GE_3, NIFTI_CT_SM, NIFTI_HEAD, copy, removeTempDirs, tempDir } from '../helpers/import-fixtures';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

/** Runs `ddcnn args` as this user, or as nobody when this user is root. */
function ddcnnUnprivileged(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const ids = asRoot ? { uid: NOBODY, gid: NOBODY } : {};
  return new Promise((resolve) => {
    execFile(process.execPath, [DDCNN_BIN, ...args], { ...ids, maxBuffer: 16 * 2 ** 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

/** Whether 'nobody' can run the project (it cannot when the checkout lies in a private folder such as /root). */
function nobodyCanRunProject(): Promise<boolean> {
  if (!asRoot) return Promise.resolve(true);
  return new Promise((resolve) => {
    execFile(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(DDCNN_BIN)}, require('fs').constants.R_OK)`], { uid: NOBODY, gid: NOBODY }, (err) => resolve(!err));
  });
}

describe('a data set with unreadable files and folders', () => {
  let source: string;
  let canRun = false;

  beforeAll(async () => {
    canRun = await nobodyCanRunProject();
    const root = tempDir('ddcnn-perm-');
    source = path.join(root, 'scans');
    copy(NIFTI_CT_SM, path.join(source, 'abdomen', 'readable.nii.gz'));
    copy(NIFTI_CT_SM, path.join(source, 'abdomen', 'locked.nii.gz'));
    copy(NIFTI_HEAD, path.join(source, 'head', 'head.nii.gz'));
    copy(DICOM_GE_3, path.join(source, 'head', 'ge series'));
    copy(NIFTI_HEAD, path.join(source, 'head', 'closed folder', 'inside.nii.gz'));
    // Everything readable by everyone (mkdtemp makes its folder private), then the three locks.
    for (const p of [root, ...walk(root)]) fs.chmodSync(p, fs.statSync(p).isDirectory() ? 0o755 : 0o644);
    fs.chmodSync(path.join(source, 'abdomen', 'locked.nii.gz'), 0o000);
    fs.chmodSync(path.join(source, 'head', 'ge series', '02.dcm'), 0o000);
    fs.chmodSync(path.join(source, 'head', 'closed folder'), 0o000);
  });

  afterAll(() => {
    // Unlock, so that the folders can be removed.
    fs.chmodSync(path.join(source, 'head', 'closed folder'), 0o755);
    removeTempDirs();
  });

  it('lists each unreadable file or folder with its reason and imports the rest', async ({ skip }) => {
    if (!canRun) skip('the project folder is not readable by the user nobody, so permissions cannot be tested as root here');
    const { code, stdout, stderr } = await ddcnnUnprivileged(['dataset', 'inspect', '--json', source]);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as { cases: { id: string }[]; skipped: { file: string; reason: string }[] };
    expect(report.cases.map((c) => c.id).sort()).toEqual(['abdomen/readable.nii.gz', 'head/head.nii.gz']);
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.file, s.reason]));
    expect(reasons['abdomen/locked.nii.gz']).toBe('permission denied');
    expect(reasons['head/ge series/02.dcm']).toBe('permission denied');
    expect(reasons['head/ge series']).toMatch(/not imported: 1 file\(s\) of its folder cannot be read \(head\/ge series\/02\.dcm\), so the series may be missing slices/);
    expect(reasons['head/closed folder']).toMatch(/permission denied/);
  });
});

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? [p, ...walk(p)] : [p];
  });
}
