// The models of a decomposition, computed without data or TensorFlow: the subdomain boxes, the global
// model, one local model per subdomain (its width by the rule in engine/architecture.ts) and the coarse
// model, each with its parameter count. createRun writes them into run.json; the app's Decomposition view
// shows them before a run exists (plan:preview), so both always agree.
import { architecture, coarseHiddenUnits, countParams, localWidth, type Architecture, type ModelFamily } from '../engine/architecture';
import { decompose, type Subdomain } from '../engine/decomposition';
import { DEFAULT_WIDTH_2D, DEFAULT_WIDTH_3D } from './run-config';

export interface PlanInput {
  family: ModelFamily;
  /** [H, W] or [D, H, W]. */
  spatialShape: number[];
  channels: number;
  classes: number;
  /** nx, ny(, nz). */
  grid: number[];
  overlap: number;
  /** Base width of the global model; 16 for images, 8 for volumes by default. */
  width?: number;
}

export interface ModelPlan {
  subdomains: Subdomain[];
  /** The global model's base width. */
  width: number;
  global: { arch: Architecture; params: number };
  locals: { index: number; arch: Architecture; params: number }[];
  coarse: { hidden: number; inputs: number; params: number };
}

export function defaultWidth(spatialShape: number[]): number {
  return spatialShape.length === 3 ? DEFAULT_WIDTH_3D : DEFAULT_WIDTH_2D;
}

/** Throws (with the engine's message) when the grid does not fit the shape. */
export function planModels(o: PlanInput): ModelPlan {
  const subdomains = decompose(o.spatialShape, o.grid, o.overlap);
  const width = o.width ?? defaultWidth(o.spatialShape);
  const globalOpts = { family: o.family, spatialShape: o.spatialShape, channels: o.channels, classes: o.classes, width };
  const globalArch = architecture(globalOpts);
  const locals = subdomains.map((s) => {
    const arch = architecture({ ...globalOpts, spatialShape: s.size, width: localWidth(globalOpts, s.size, subdomains.length) });
    return { index: s.index, arch, params: countParams(arch) };
  });
  const hidden = coarseHiddenUnits(subdomains.length, o.classes);
  const inputs = subdomains.length * o.classes;
  return {
    subdomains,
    width,
    global: { arch: globalArch, params: countParams(globalArch) },
    locals,
    coarse: { hidden, inputs, params: inputs * hidden + hidden + hidden * o.classes + o.classes },
  };
}
