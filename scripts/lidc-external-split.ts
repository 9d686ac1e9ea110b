// Builds the LIDC external-validation experiment's two CSV manifests (the import route, PNG stacks): the
// nodule stacks of the training groups (patients) and those of the held-out groups, which no model trains
// on. Groups are assigned by a hash of their group_id, so the split is deterministic and never puts one
// patient on both sides. Usage:
//   npx tsx scripts/lidc-external-split.ts <dest-folder> [--held-out 0.2]
// It extracts ../shared/data/lidc-nodules/images.tar into <dest-folder> (the shared folder stays untouched)
// and writes <dest-folder>/train.csv and <dest-folder>/held-out.csv (path,label,group).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { findProjectRoot } from '../src-main/data/project-root';

const LIDC = path.resolve(findProjectRoot(import.meta.url), '../shared/data/lidc-nodules');
const args = process.argv.slice(2);
const dest = args[0];
if (!dest) throw new Error('usage: lidc-external-split.ts <dest-folder> [--held-out 0.2]');
const share = args.includes('--held-out') ? Number(args[args.indexOf('--held-out') + 1]) : 0.2;
if (!(share > 0 && share < 1)) throw new Error(`--held-out must lie between 0 and 1, got ${share}`);

fs.mkdirSync(dest, { recursive: true });
if (!fs.existsSync(path.join(dest, 'images'))) execFileSync('tar', ['xf', path.join(LIDC, 'images.tar'), '-C', dest]);
const [header, ...rows] = fs.readFileSync(path.join(LIDC, 'index.csv'), 'utf8').trim().split('\n');
const cols = header.split(',');
const at = (n: string) => cols.indexOf(n);
const heldOut = (group: string) => createHash('sha256').update(`lidc-external:${group}`).digest().readUInt32BE(0) / 2 ** 32 < share;
const csv = (pick: (g: string) => boolean) =>
  ['path,label,group', ...rows.map((r) => r.split(',')).filter((f) => pick(f[at('group_id')])).map((f) => `"${f[at('nodule_dir')]}",${f[at('class_name')]},${f[at('group_id')]}`)].join('\n') + '\n';
fs.writeFileSync(path.join(dest, 'train.csv'), csv((g) => !heldOut(g)));
fs.writeFileSync(path.join(dest, 'held-out.csv'), csv(heldOut));
for (const f of ['train.csv', 'held-out.csv']) {
  const lines = fs.readFileSync(path.join(dest, f), 'utf8').trim().split('\n').slice(1);
  const groups = new Set(lines.map((l) => l.split(',').at(-1)));
  const per = (c: string) => lines.filter((l) => l.includes(`,${c},`)).length;
  process.stdout.write(`${f}: ${lines.length} stacks (benigno ${per('benigno')}, maligno ${per('maligno')}), ${groups.size} groups\n`);
}
