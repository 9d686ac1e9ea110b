// The renderer build behind `ddcnn serve` (src-main/server/renderer-build.ts): when a build is stale, and
// one real build into a temp folder, with two servers starting at once and a lock left by a dead build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy, cspOfHtml } from '../../src-main/api/content-security-policy';
import { ensureRenderer, PROJECT_ROOT, staleReason } from '../../src-main/server/renderer-build';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcnn-renderer-build-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function touch(file: string, secondsAgo: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, '');
  const t = Date.now() / 1000 - secondsAgo;
  fs.utimesSync(file, t, t);
}

describe('staleReason', () => {
  it('asks for a build when there is none, or when a source is newer than it', () => {
    const root = path.join(tmp, 'project');
    const out = path.join(root, 'out', 'renderer');
    touch(path.join(root, 'src-renderer', 'App.svelte'), 100);
    touch(path.join(root, 'src-main', 'api', 'contract.ts'), 100);
    touch(path.join(root, 'package.json'), 100);
    expect(staleReason(root, out)).toBe('out/renderer/index.html does not exist');
    touch(path.join(out, 'index.html'), 50);
    expect(staleReason(root, out)).toBeNull();
    touch(path.join(root, 'src-main', 'api', 'contract.ts'), 10);
    expect(staleReason(root, out)).toBe('src-main/api/contract.ts changed since the last build');
    touch(path.join(out, 'index.html'), 5);
    touch(path.join(root, 'src-renderer', 'components', 'New.svelte'), 1);
    expect(staleReason(root, out)).toBe('src-renderer/components/New.svelte changed since the last build');
  });
});

describe('ensureRenderer', () => {
  it('builds the real renderer one at a time when two servers start together, past a lock left by a dead build', async () => {
    const dir = path.join(tmp, 'web', 'renderer');
    // A build that died (its process is gone) left its lock and its half-written folder.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    fs.mkdirSync(path.join(tmp, 'web', '.renderer-build.lock'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'web', '.renderer-build.lock', 'pid'), String(dead));
    fs.mkdirSync(path.join(tmp, 'web', `renderer.building-${dead}`));

    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const [a, b] = await Promise.all([ensureRenderer(log, PROJECT_ROOT, dir), ensureRenderer(log, PROJECT_ROOT, dir)]);
    expect(a).toBe(dir);
    expect(b).toBe(dir);
    // One build, the other server waiting for it; a second build only when a source was saved meanwhile
    // (people edit this checkout while tests run), never two at once.
    const builds = lines.filter((l) => l.startsWith('building the web UI'));
    expect(builds[0]).toMatch(/index\.html does not exist/);
    for (const later of builds.slice(1)) expect(later).toMatch(/changed since the last build/);
    expect(lines.map((l) => l.split(' ')[0])).toEqual(builds.flatMap(() => ['building', 'built']));

    const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(cspOfHtml(html)).toBe(contentSecurityPolicy({ dev: false, delivery: 'meta' }));
    const scripts = [...html.matchAll(/src="\.\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(fs.existsSync(path.join(dir, s))).toBe(true);
    expect(fs.readdirSync(path.join(tmp, 'web')).sort()).toEqual(['renderer']);
    expect(staleReason(PROJECT_ROOT, dir)).toBeNull();
  }, 120_000);
});
