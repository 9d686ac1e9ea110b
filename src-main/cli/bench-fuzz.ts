// `ddcnn bench --only fuzz`: a fuzz check of every reader (issue 8, item 7). The real files of
// ../shared/data are mutated (truncated, bits flipped, header fields set to 0, -1, 2^31-1 or huge; see
// fuzz-mutations.ts) for a fixed, seeded number of cases per reader, and each case is read in a reader
// process with a heap limit (--max-old-space-size), a resident-memory limit (watched in /proc) and a time
// limit. Counted per reader: cases, files that still read, clear errors (a DataFileError naming the file),
// unclear errors (anything else thrown), crashes (the process died), hangs (no answer in time) and
// out-of-memory. The goal is 0 crashes, 0 hangs, 0 out-of-memory. Every case that was not read or refused
// clearly is kept under <out>/fuzz-failures, to become a regression fixture.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import seedrandom from 'seedrandom';
import { entryModule } from '../platform/process-entry';
import { findProjectRoot } from '../data/project-root';
import { mutate, type FuzzFormat, type Mutation } from './fuzz-mutations';
import type { FuzzAnswer, FuzzReader, FuzzRequest } from './fuzz-read-entry';

const SHARED = path.resolve(findProjectRoot(import.meta.url), '../shared/data');
const READERS: FuzzReader[] = ['dicom', 'dicom-j2k', 'nifti', 'npz', 'png', 'jpeg', 'pgm'];
const FORMAT: Record<FuzzReader, FuzzFormat> = { dicom: 'dicom', 'dicom-j2k': 'dicom', nifti: 'nifti', npz: 'npz', png: 'png', jpeg: 'jpeg', pgm: 'pgm' };
const EXTENSION: Record<FuzzReader, string> = { dicom: '.dcm', 'dicom-j2k': '.dcm', nifti: '.nii.gz', npz: '.npz', png: '.png', jpeg: '.jpg', pgm: '.pgm' };

export interface FuzzOptions {
  casesPerReader: number;
  seed: number;
  /** Reader processes at a time. */
  processes: number;
  heapLimitMB: number;
  rssLimitMB: number;
  timeLimitSeconds: number;
  /** Where the cases that were not refused clearly are kept. */
  keepDir: string;
  onProgress?: (done: number, total: number) => void;
}

type Outcome = 'read' | 'clear-error' | 'unclear-error' | 'crash' | 'hang' | 'oom';

export interface FuzzReaderResult {
  seedFiles: string[];
  cases: number;
  read: number;
  clearErrors: number;
  unclearErrors: number;
  crashes: number;
  hangs: number;
  oom: number;
  /** The cases that were not read or refused clearly: what was done to which file, and what happened. */
  failures: { case: number; seedFile: string; mutation: Mutation; what: string; outcome: Outcome; detail: string; kept: string }[];
}

export interface FuzzBench {
  seed: number;
  casesPerReader: number;
  processes: number;
  heapLimitMB: number;
  rssLimitMB: number;
  timeLimitSeconds: number;
  wallSeconds: number;
  readers: Record<FuzzReader, FuzzReaderResult>;
}

/** The real files each reader's cases start from (named relative to ../shared/data). */
function seedFiles(work: string): Record<FuzzReader, string[]> {
  const first = (dir: string, n: number) => fs.readdirSync(path.join(SHARED, dir)).sort().slice(0, n).map((f) => path.join(dir, f));
  const fromTar = (tar: string, members: string[]) => {
    const dest = path.join(work, 'seeds', path.basename(tar));
    fs.mkdirSync(dest, { recursive: true });
    execFileSync('tar', ['xf', path.join(SHARED, tar), '-C', dest, ...members]);
    return members.map((m) => path.join(dest, m));
  };
  const pngs = execFileSync('tar', ['tf', path.join(SHARED, 'lidc-nodules/images.tar')], { encoding: 'utf8' }).split('\n').filter((f) => f.endsWith('.png')).slice(0, 2);
  const jpegDir = path.join(work, 'seeds', 'cifar10');
  fs.mkdirSync(jpegDir, { recursive: true });
  const jpegs = Object.entries(unzipSync(fs.readFileSync(path.join(SHARED, 'cifar10/cifar10_jpeg.zip')), { filter: (f) => /^test\/(airplane|cat)\/0000\.jpg$/.test(f.name) })).map(([name, bytes]) => {
    const file = path.join(jpegDir, name.replace(/\//g, '-'));
    fs.writeFileSync(file, bytes);
    return file;
  });
  // An uncompressed .nii too, so that truncation and bit flips also hit a NIfTI header as stored.
  const nii = path.join(work, 'seeds', 'example_ct_sm.nii');
  fs.writeFileSync(nii, gunzipSync(fs.readFileSync(path.join(SHARED, 'ct-nifti/totalsegmentator/example_ct_sm.nii.gz'))));
  return {
    dicom: ['ct-dicom/single_slice_ct/CT_small.dcm', 'ct-dicom/dcmqi_ct_3slice/01.dcm', ...first('ct-dicom/totalsegmentator_example_ct_dicom_uncompressed', 1)],
    'dicom-j2k': first('ct-dicom/totalsegmentator_example_ct_dicom', 2),
    nifti: ['ct-nifti/totalsegmentator/example_ct_sm.nii.gz', 'ct-nifti/vtkjs/vtk_headsq_int16.nii.gz', nii],
    npz: ['medmnist3d/adrenalmnist3d.npz', 'medmnist3d/vesselmnist3d.npz'],
    png: fromTar('lidc-nodules/images.tar', pngs),
    jpeg: jpegs,
    pgm: fromTar('orl-faces/att_faces_pgm.tar', ['att_faces/s1/1.pgm', 'att_faces/s2/1.pgm']),
  };
}

interface Job {
  reader: FuzzReader;
  index: number;
  seedFile: string;
  mutation: Mutation;
  what: string;
  file: string;
}

/** A reader process; `run` resolves with the outcome of one case, restarting the process after any death. */
class ReaderProcess {
  private child?: ChildProcess;
  private ready?: Promise<void>;
  private stderr = '';

  constructor(private readonly opts: FuzzOptions) {}

  private start(): Promise<void> {
    const entry = entryModule(import.meta.url, 'fuzz-read-entry');
    const child = fork(entry.file, [], { execArgv: [...entry.execArgv, `--max-old-space-size=${this.opts.heapLimitMB}`], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child = child;
    this.stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => (this.stderr = (this.stderr + s).slice(-4000)));
    child.on('error', () => {});
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code, signal) => reject(new Error(`a fuzz reader process could not start (${signal ?? code}): ${this.stderr.trim().slice(-500)}`)));
    });
  }

  async run(job: Job): Promise<{ outcome: Outcome; detail: string }> {
    this.ready ??= this.start();
    await this.ready;
    const child = this.child!;
    return new Promise((resolve) => {
      let killedFor: 'hang' | 'oom' | undefined;
      let peakMB = 0;
      const kill = (why: 'hang' | 'oom') => {
        killedFor = why;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => kill('hang'), this.opts.timeLimitSeconds * 1000);
      const watch = setInterval(() => {
        const mb = residentMB(child.pid);
        peakMB = Math.max(peakMB, mb);
        if (mb > this.opts.rssLimitMB) kill('oom');
      }, 50);
      const done = (r: { outcome: Outcome; detail: string }) => {
        clearTimeout(timer);
        clearInterval(watch);
        child.removeListener('message', onMessage);
        child.removeListener('exit', onExit);
        resolve(r);
      };
      const onMessage = (m: unknown) => {
        const a = m as FuzzAnswer;
        if (a.id !== job.index) return;
        done(a.outcome === 'read' ? { outcome: 'read', detail: '' } : { outcome: a.outcome, detail: a.message });
      };
      const onExit = (code: number | null, signal: string | null) => {
        this.ready = undefined; // the next case starts a fresh process
        const tail = this.stderr.trim().split('\n').slice(-4).join(' | ').slice(0, 400);
        if (killedFor === 'hang') return done({ outcome: 'hang', detail: `no answer within ${this.opts.timeLimitSeconds} s` });
        if (killedFor === 'oom') return done({ outcome: 'oom', detail: `resident memory above ${this.opts.rssLimitMB} MB` });
        if (/heap out of memory|Allocation failed|Cannot allocate memory|std::bad_alloc/i.test(this.stderr)) return done({ outcome: 'oom', detail: tail });
        done({ outcome: 'crash', detail: `exit ${signal ?? code}${peakMB ? `, ${Math.round(peakMB)} MB resident` : ''}: ${tail}` });
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ id: job.index, reader: job.reader, file: job.file } satisfies FuzzRequest);
    });
  }

  stop(): void {
    this.child?.kill();
  }
}

function residentMB(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export async function fuzzBench(opts: FuzzOptions): Promise<FuzzBench> {
  const t0 = performance.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-bench-fuzz-'));
  try {
    const seeds = seedFiles(work);
    const originals = new Map<string, Uint8Array>();
    const readBytes = (f: string) => {
      const abs = path.isAbsolute(f) ? f : path.join(SHARED, f);
      if (!originals.has(abs)) originals.set(abs, new Uint8Array(fs.readFileSync(abs)));
      return originals.get(abs)!;
    };
    const shown = (f: string) => (path.isAbsolute(f) ? path.relative(work, f) : f);
    const readers = {} as Record<FuzzReader, FuzzReaderResult>;
    const jobs: Job[] = [];
    for (const reader of READERS) {
      readers[reader] = { seedFiles: seeds[reader].map(shown), cases: 0, read: 0, clearErrors: 0, unclearErrors: 0, crashes: 0, hangs: 0, oom: 0, failures: [] };
      for (let i = 0; i < opts.casesPerReader; i++) {
        const seedFile = seeds[reader][i % seeds[reader].length];
        // One generator per case: a case is the same whatever the other cases or their order.
        const m = mutate(FORMAT[reader], readBytes(seedFile), seedrandom(`${opts.seed}:${reader}:${i}`));
        const ext = reader === 'nifti' && !seedFile.endsWith('.gz') ? '.nii' : EXTENSION[reader];
        const file = path.join(work, 'cases', `${reader}-${i}${ext}`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, m.bytes);
        jobs.push({ reader, index: jobs.length, seedFile: shown(seedFile), mutation: m.mutation, what: m.what, file });
      }
    }
    const pool = Array.from({ length: Math.max(1, opts.processes) }, () => new ReaderProcess(opts));
    let next = 0;
    let done = 0;
    await Promise.all(
      pool.map(async (proc) => {
        while (next < jobs.length) {
          const job = jobs[next++];
          const { outcome, detail } = await proc.run(job);
          const r = readers[job.reader];
          r.cases++;
          if (outcome === 'read') r.read++;
          else if (outcome === 'clear-error') r.clearErrors++;
          else {
            if (outcome === 'unclear-error') r.unclearErrors++;
            if (outcome === 'crash') r.crashes++;
            if (outcome === 'hang') r.hangs++;
            if (outcome === 'oom') r.oom++;
            fs.mkdirSync(opts.keepDir, { recursive: true });
            const kept = path.join(opts.keepDir, path.basename(job.file));
            fs.copyFileSync(job.file, kept);
            r.failures.push({ case: job.index - READERS.indexOf(job.reader) * opts.casesPerReader, seedFile: job.seedFile, mutation: job.mutation, what: job.what, outcome, detail, kept });
          }
          opts.onProgress?.(++done, jobs.length);
        }
        proc.stop();
      }),
    );
    return {
      seed: opts.seed,
      casesPerReader: opts.casesPerReader,
      processes: pool.length,
      heapLimitMB: opts.heapLimitMB,
      rssLimitMB: opts.rssLimitMB,
      timeLimitSeconds: opts.timeLimitSeconds,
      wallSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
      readers,
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export function fuzzBenchMarkdown(r: FuzzBench): string[] {
  const lines = [
    '',
    `## fuzz: ${r.casesPerReader} mutated real files per reader (seed ${r.seed}), each read in a process limited to ${r.heapLimitMB} MB heap, ${r.rssLimitMB} MB resident and ${r.timeLimitSeconds} s; ${r.processes} at a time, ${r.wallSeconds} s`,
    '',
    '| reader | cases | read | clear errors | unclear errors | crashes | hangs | out of memory |',
    '|---|---|---|---|---|---|---|---|',
    ...Object.entries(r.readers).map(([name, x]) => `| ${name} | ${x.cases} | ${x.read} | ${x.clearErrors} | ${x.unclearErrors} | ${x.crashes} | ${x.hangs} | ${x.oom} |`),
  ];
  const failures = Object.entries(r.readers).flatMap(([name, x]) => x.failures.map((f) => `- ${name} case ${f.case} (${f.seedFile}, ${f.what}): ${f.outcome}: ${f.detail}`));
  if (failures.length > 0) lines.push('', 'Cases not refused clearly (kept for regression fixtures):', ...failures.slice(0, 40));
  return lines;
}
