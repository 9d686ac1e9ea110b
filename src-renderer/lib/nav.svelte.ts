// Which view is shown and which run the Results and Inspect views are about: state that outlives the
// views themselves (a view is mounted only while it is shown).

export const VIEWS = [
  { id: 'data', label: 'Data' },
  { id: 'decomposition', label: 'Decomposition' },
  { id: 'training', label: 'Training' },
  { id: 'results', label: 'Results' },
  { id: 'inspect', label: 'Inspect' },
  { id: 'runs', label: 'Runs' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

export const nav = $state({
  view: 'data' as ViewId,
  /** The run the Results and Inspect views show (opened from Runs, or the last one trained). */
  runId: null as string | null,
  /** A test case to open in the Inspect view (from the Results view's confusion matrix). */
  caseIndex: undefined as number | undefined,
});

export function show(view: ViewId): void {
  nav.view = view;
}

/** Makes `runId` the current run and shows `view`. */
export function openRun(runId: string, view: ViewId = 'results'): void {
  if (nav.runId !== runId) nav.caseIndex = undefined;
  nav.runId = runId;
  nav.view = view;
}
