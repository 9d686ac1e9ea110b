// plan:preview: the decomposition and the models' sizes of a run before it exists, computed by the same
// function createRun uses (src-main/runs/plan.ts), so the Decomposition view shows what a run will train.
import { planModels } from '../runs/plan';
import type { PlanPreviewRequest, PlanView } from './contract';
import { ApiFailure } from './result';

export function planPreview(req: PlanPreviewRequest): PlanView {
  let plan;
  try {
    plan = planModels({ family: req.family, spatialShape: req.shape, channels: req.channels, classes: req.classes, grid: req.grid, overlap: req.overlap, width: req.width });
  } catch (e) {
    // The engine's words: an axis too short for its count of subdomains, a grid that does not fit the shape.
    throw new ApiFailure('invalid_request', (e as Error).message);
  }
  return {
    subdomains: plan.subdomains.map((s, i) => ({ index: s.index, start: s.start, end: s.end, size: s.size, params: plan.locals[i].params })),
    globalParams: plan.global.params,
    localWidth: Math.max(...plan.locals.map((l) => l.arch.width)),
    globalWidth: plan.width,
    coarseParams: plan.coarse.params,
  };
}
