// Geometry of the decomposition as the views draw it. Boxes come from run.json or a CaseView: start
// inclusive, end exclusive, in the order of the input shape ((D,) H, W), grown by the overlap on interior
// sides. For colouring, every voxel is given to exactly one subdomain, the one whose partition cell holds
// it: the boundary between neighbouring boxes is the middle of their overlap, which is where the engine's
// partition cut lies before the boxes grow (src-main/engine/decomposition.ts). Boxes themselves are drawn
// as outlines, so the overlap stays visible.

export interface BoxLike {
  start: number[];
  end: number[];
}

export interface Partition {
  shape: number[];
  /** Per axis: the cuts 0 = c0 < c1 < ... < cn = length; cell k spans [c_k, c_k+1). */
  cuts: number[][];
  /** Per box (in the order given): its cell coordinate per axis. */
  cells: number[][];
  /** Per axis: the cell of every coordinate. */
  cellAt: Int32Array[];
  /** Box position (in the order given) of a cell, by its coordinates joined with ','. */
  boxOfCell: Map<string, number>;
}

/** The partition behind a set of grid boxes (see the module comment). */
export function partitionOf(boxes: BoxLike[], shape: number[]): Partition {
  const rank = shape.length;
  for (const b of boxes) {
    if (b.start.length !== rank || b.end.length !== rank) throw new Error(`a box of rank ${b.start.length} in a ${rank}-axis input`);
  }
  const cuts: number[][] = [];
  const cells: number[][] = boxes.map(() => new Array<number>(rank).fill(0));
  const cellAt: Int32Array[] = [];
  for (let a = 0; a < rank; a++) {
    const intervals = [...new Map(boxes.map((b) => [`${b.start[a]}:${b.end[a]}`, [b.start[a], b.end[a]] as const])).values()].sort(
      (x, y) => x[0] - y[0] || x[1] - y[1],
    );
    const c = [0];
    for (let k = 1; k < intervals.length; k++) c.push(Math.floor((intervals[k][0] + intervals[k - 1][1]) / 2));
    c.push(shape[a]);
    cuts.push(c);
    boxes.forEach((b, i) => (cells[i][a] = intervals.findIndex((iv) => iv[0] === b.start[a] && iv[1] === b.end[a])));
    const at = new Int32Array(shape[a]);
    for (let k = 0; k < intervals.length; k++) at.fill(k, c[k], Math.max(c[k], c[k + 1]));
    cellAt.push(at);
  }
  const boxOfCell = new Map(cells.map((cell, i) => [cell.join(','), i]));
  return { shape, cuts, cells, cellAt, boxOfCell };
}

/** The box (its position in the list given to partitionOf) whose cell holds a voxel; -1 outside. */
export function ownerAt(p: Partition, point: number[]): number {
  const cell: number[] = [];
  for (let a = 0; a < p.shape.length; a++) {
    const v = point[a];
    if (!(v >= 0 && v < p.shape[a])) return -1;
    cell.push(p.cellAt[a][Math.floor(v)]);
  }
  return p.boxOfCell.get(cell.join(',')) ?? -1;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface SliceBox {
  /** Position of the box in the list given. */
  box: number;
  /** The whole box (overlap included) on the canvas. */
  rect: Rect;
  /** Its partition cell on the canvas, when this slice lies in the cell (null in the overlap only). */
  core: Rect | null;
}

/**
 * The boxes that cover slice z of a volume (every box of an image), as canvas rectangles for a canvas of
 * width x height pixels showing the H x W plane. A box shows on every slice it covers, overlap included.
 */
export function sliceOverlay(boxes: BoxLike[], shape: number[], z: number, width: number, height: number): SliceBox[] {
  const p = partitionOf(boxes, shape);
  const d3 = shape.length === 3;
  const [hAxis, wAxis] = d3 ? [1, 2] : [0, 1];
  const sx = width / shape[wAxis];
  const sy = height / shape[hAxis];
  const rectOf = (x0: number, x1: number, y0: number, y1: number): Rect => ({ x: x0 * sx, y: y0 * sy, w: (x1 - x0) * sx, h: (y1 - y0) * sy });
  const out: SliceBox[] = [];
  boxes.forEach((b, i) => {
    if (d3 && !(b.start[0] <= z && z < b.end[0])) return;
    const inCore = !d3 || p.cellAt[0][z] === p.cells[i][0];
    const cw = p.cells[i][wAxis];
    const ch = p.cells[i][hAxis];
    out.push({
      box: i,
      rect: rectOf(b.start[wAxis], b.end[wAxis], b.start[hAxis], b.end[hAxis]),
      core: inCore ? rectOf(p.cuts[wAxis][cw], p.cuts[wAxis][cw + 1], p.cuts[hAxis][ch], p.cuts[hAxis][ch + 1]) : null,
    });
  });
  return out;
}

/** The slices (along D) a box covers, as an inclusive range; [0, 0] for an image. */
export function sliceRange(box: BoxLike, shape: number[]): [number, number] {
  return shape.length === 3 ? [box.start[0], box.end[0] - 1] : [0, 0];
}

export interface MapPanel {
  /** The z-layer of the grid (0 for an image). */
  layer: number;
  /** The slices of the layer's partition cells, inclusive (volumes). */
  slices?: [number, number];
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface MapCell {
  box: number;
  layer: number;
  /** The partition cell, in the drawing's pixels. */
  rect: Rect;
  /** The whole box with its overlap, clipped to the layer's panel. */
  outer: Rect;
}

export interface MapLayout {
  width: number;
  height: number;
  panels: MapPanel[];
  cells: MapCell[];
}

/**
 * The decomposition map of the Results view: an image's grid as one panel; a volume's grid as one small
 * panel per z-layer (nx x ny cells each), side by side and wrapped after `perRow` panels. Cells are drawn
 * in proportion to the partition, so uneven cuts show.
 */
export function mapLayout(boxes: BoxLike[], shape: number[], opts: { panelWidth?: number; gap?: number; perRow?: number; labelHeight?: number } = {}): MapLayout {
  const p = partitionOf(boxes, shape);
  const d3 = shape.length === 3;
  const [hAxis, wAxis] = d3 ? [1, 2] : [0, 1];
  const layers = d3 ? p.cuts[0].length - 1 : 1;
  const panelWidth = opts.panelWidth ?? (d3 ? 150 : 260);
  const gap = opts.gap ?? 16;
  const labelHeight = d3 ? (opts.labelHeight ?? 18) : 0;
  const perRow = Math.max(1, opts.perRow ?? 4);
  const scale = panelWidth / shape[wAxis];
  const panelHeight = shape[hAxis] * scale;
  const panels: MapPanel[] = Array.from({ length: layers }, (_, layer) => ({
    layer,
    slices: d3 ? ([p.cuts[0][layer], p.cuts[0][layer + 1] - 1] as [number, number]) : undefined,
    x: (layer % perRow) * (panelWidth + gap),
    y: Math.floor(layer / perRow) * (panelHeight + labelHeight + gap) + labelHeight,
    w: panelWidth,
    h: panelHeight,
  }));
  const cells: MapCell[] = boxes.map((b, i) => {
    const layer = d3 ? p.cells[i][0] : 0;
    const panel = panels[layer];
    const cw = p.cells[i][wAxis];
    const ch = p.cells[i][hAxis];
    return {
      box: i,
      layer,
      rect: {
        x: panel.x + p.cuts[wAxis][cw] * scale,
        y: panel.y + p.cuts[hAxis][ch] * scale,
        w: (p.cuts[wAxis][cw + 1] - p.cuts[wAxis][cw]) * scale,
        h: (p.cuts[hAxis][ch + 1] - p.cuts[hAxis][ch]) * scale,
      },
      outer: {
        x: panel.x + b.start[wAxis] * scale,
        y: panel.y + b.start[hAxis] * scale,
        w: (b.end[wAxis] - b.start[wAxis]) * scale,
        h: (b.end[hAxis] - b.start[hAxis]) * scale,
      },
    };
  });
  const rows = Math.ceil(layers / perRow);
  return {
    width: Math.min(layers, perRow) * (panelWidth + gap) - gap,
    height: rows * (panelHeight + labelHeight + gap) - gap,
    panels,
    cells,
  };
}
