// Bounded parallelism for reading many files: enough reads in flight to hide disk and network-share latency,
// few enough that a folder of thousands of slices does not open thousands of files at once.

/** Maps `items` through `fn` with at most `limit` calls pending; results keep the order of `items`. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Runs `consume` on the results of `produce` in order, with up to `ahead` later items already being produced:
 * file reads overlap the (synchronous, CPU-bound) decoding of the slice before.
 */
export async function pipelineInOrder<T, R>(
  items: readonly T[],
  ahead: number,
  produce: (item: T) => Promise<R>,
  consume: (result: R, item: T, index: number) => Promise<void> | void,
): Promise<void> {
  const pending: Promise<R>[] = [];
  const start = (i: number): void => {
    if (i < items.length && !pending[i]) {
      pending[i] = produce(items[i]);
      // Handled when consumed; this keeps an early failure from being reported as unhandled meanwhile.
      pending[i].catch(() => {});
    }
  };
  for (let i = 0; i < items.length; i++) {
    for (let k = i; k <= i + ahead; k++) start(k);
    const result = await pending[i];
    delete pending[i];
    await consume(result, items[i], i);
  }
}
