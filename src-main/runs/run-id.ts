// Run ids, e.g. 20261125-184907-MNIST-22d9d4: sortable by time, readable, and never a path (only
// letters, digits, '_' and '-'), so `<workspace>/runs/<id>` always stays inside runs/. No imports:
// the api contract, which the renderer type-checks without Node, uses it too.

export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[A-Za-z0-9_-]{1,32}-[0-9a-f]{6}$/;

export function newRunId(datasetName: string, now: Date, randomHex: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const safe = datasetName.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 32) || 'data';
  return `${stamp}-${safe}-${randomHex}`;
}
