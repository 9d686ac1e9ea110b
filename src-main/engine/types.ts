// Types shared by the data layer, the engine and the run orchestration.

/** One split of a data set held in memory: samples are stored one after another, channel-last. */
export interface LabeledSplit {
  /** n * prod(spatialShape) * channels values, intensities normalised to 0..1, layout (D,)H,W,C per sample. */
  x: Float32Array;
  /** Class index of every sample. */
  y: Int32Array;
  /** Optional group (patient / scan) of every sample, for splitting without leakage. */
  groups?: string[];
}

export type SplitName = 'train' | 'val' | 'test';

/**
 * How stored values were mapped to the 0..1 inputs: divided by 255 (uint8 data), or (v - min) / (max - min)
 * with one min and max for the whole file. Saved in run.json, so that predict maps new data identically.
 */
export interface IntensityScaling {
  kind: 'uint8/255' | 'min-max';
  min: number;
  max: number;
}

/** A data set as loaded from its source, before the run's train/validation/test split. */
export interface Dataset {
  name: string;
  /** [H, W] for 2D images, [D, H, W] for volumes. */
  spatialShape: number[];
  channels: number;
  classes: string[];
  /** Where it came from (file path or package name), for run.json. */
  source: string;
  /** Citation that must be shown wherever the data set is shipped or shown. */
  citation?: string;
  /** Arrays (npz, MNIST): how their stored values became 0..1. Imported scans have their recipe instead. */
  intensity?: IntensityScaling;
  /** Official splits where the source defines them; `all` where it does not. */
  splits: Partial<Record<SplitName | 'all', LabeledSplit>>;
}

/** A data set after the run's seeded, stratified split: always train, val and test. */
export interface SplitDataset extends Omit<Dataset, 'splits'> {
  splits: Record<SplitName, LabeledSplit>;
  /** How the split was made (official, stratified, group-aware), for run.json. */
  splitMethod: string;
}

/** A box of the input grid: start inclusive, end exclusive, in the order of spatialShape. */
export interface Box {
  start: number[];
  end: number[];
}
