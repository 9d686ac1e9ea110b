// What a data source holds, as the Data view shows it and the api sends it: built in the data layer (an
// import source's inspection report, or an array data set's arrays), described once here for the api
// contract, which re-exports it.
import type { CaseInfo, SkippedFile } from './import/types';

/** A data source as the Data view shows it (from `ddcnn dataset inspect`'s report, or an npz's arrays). */
export interface DatasetView {
  source: string;
  name: string;
  dims: 2 | 3;
  /** The shape the models would see by default ([H,W] or [D,H,W]): the recipe's default or the npz's shape. */
  inputShape: number[];
  channels: number;
  classes: { name: string; cases: number }[];
  /** At most MAX_LISTED_CASES cases (the first ones, in a stable order); totalCases counts them all. */
  cases: CaseInfo[];
  totalCases: number;
  /** Imported sources: the units a run's split keeps together (patients, class sub-folders), and how many cases have one. */
  groups?: { count: number; groupedCases: number };
  skipped: SkippedFile[];
  /** Whether voxel values are HU (window presets apply) or stored values. */
  units: 'HU' | 'stored';
  citation?: string;
}

/** The most cases listed in a DatasetView (MNIST has 70,000). */
export const MAX_LISTED_CASES = 2000;
