// A counter that goes up each time the run a view shows finishes an execution, so that views which read a
// run's files (results, eval.json) read them again when training ends while they are open.
import type { Api } from '../../src-main/api/contract';

/** Call during a component's set-up; read `.count` inside the effect that loads the run. */
export function runFinishedCounter(api: () => Api, runId: () => string | null): { readonly count: number } {
  let count = $state(0);
  $effect(() => {
    const id = runId();
    if (id === null) return;
    return api().onRunEvent((m) => {
      if (m.runId === id && m.event.type === 'finished') count++;
    });
  });
  return {
    get count() {
      return count;
    },
  };
}
