// The data behind the training curves: a model's epoch history (from metrics.jsonl through runs:history,
// and from live 'epoch' events) merged into one series per metric, with the running batch means of the
// epoch in progress as a last point, so a curve moves before the first epoch ends. No chart.js here: the
// components turn these points into datasets.
import { OKABE_ITO } from './colors';
import type { EpochSummary, ModelCardView } from './training';

/** Loss and accuracy curves: colour tells the metric (and its axis), a dashed line the validation split. */
export const CURVE_COLORS = { loss: OKABE_ITO.vermillion, accuracy: OKABE_ITO.blue } as const;

export interface Point {
  x: number;
  y: number;
}

export interface CurveSeries {
  loss: Point[];
  accuracy: Point[];
  valLoss: Point[];
  valAccuracy: Point[];
  /** The x range to show: 0 .. the model's epochs (or the last epoch seen). */
  maxEpoch: number;
}

/** Epoch e's summary is drawn at x = e (the end of that epoch); the live point at the fraction done. */
export function curveSeries(history: EpochSummary[], live?: Pick<ModelCardView, 'state' | 'fraction' | 'epochs' | 'loss' | 'accuracy' | 'epochsDone'>): CurveSeries {
  const series: CurveSeries = {
    loss: history.map((e) => ({ x: e.epoch, y: e.loss })),
    accuracy: history.map((e) => ({ x: e.epoch, y: e.accuracy })),
    valLoss: history.map((e) => ({ x: e.epoch, y: e.valLoss })),
    valAccuracy: history.map((e) => ({ x: e.epoch, y: e.valAccuracy })),
    maxEpoch: Math.max(1, live?.epochs ?? 0, history.at(-1)?.epoch ?? 0),
  };
  const last = history.at(-1)?.epoch ?? 0;
  if (live && (live.state === 'running' || live.state === 'restarted') && live.epochs && live.loss !== undefined && live.accuracy !== undefined) {
    const x = live.fraction * live.epochs;
    // Only a point inside the epoch in progress: after its 'epoch' event the summary is the truth.
    if (x > last + 1e-9 && x < last + 1 - 1e-9) {
      series.loss.push({ x, y: live.loss });
      series.accuracy.push({ x, y: live.accuracy });
    }
  }
  return series;
}

/** The y range of the loss axis: from 0 to a little above the largest finite loss. */
export function lossAxisMax(series: Pick<CurveSeries, 'loss' | 'valLoss'>): number {
  const ys = [...series.loss, ...series.valLoss].map((p) => p.y).filter(Number.isFinite);
  if (ys.length === 0) return 1;
  const max = Math.max(...ys);
  return max <= 0 ? 1 : Number((max * 1.1).toPrecision(2));
}

/** A short key of everything a chart draws: charts redraw only when it changes (progress events are frequent). */
export function seriesSignature(s: CurveSeries): string {
  const pts = (ps: Point[]) => ps.map((p) => `${p.x},${p.y}`).join(';');
  return [s.maxEpoch, pts(s.loss), pts(s.accuracy), pts(s.valLoss), pts(s.valAccuracy)].join('|');
}
