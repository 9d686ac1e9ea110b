// The shapes of a medical-image import (issue 3), shared by the source scanner, the format readers, the
// import workers, the dataset cache, the CLI (`ddcnn dataset inspect|build`) and the app's Data view.
// Types only: the api contract, type-checked for the renderer without Node, uses them too.

/** How a case is stored. */
export type CaseKind = 'dicom-series' | 'nifti' | 'npy' | 'png-stack' | 'image';

export type CaseSplit = 'train' | 'val' | 'test';

/** One case found in a source (a class folder or a CSV manifest), before it is read. */
export interface CaseRef {
  /**
   * How the case is named everywhere (reports, cache, runs, UI): its path relative to the source folder
   * (or CSV), plus `#` and a short hash of the SeriesInstanceUID when a folder holds several DICOM series.
   * Never a patient name, id or any other DICOM tag value.
   */
  id: string;
  kind: CaseKind;
  /** Absolute paths of the file(s) of the case: every slice of a DICOM series or PNG stack, else one file. */
  files: string[];
  /** The class (the class folder's name or the CSV's label). */
  label: string;
  /**
   * The group (patient) for leakage-free splitting: the CSV's group, else for DICOM the keyed hash of its
   * PatientID or StudyInstanceUID ('patient-<16 hex>', 'study-<16 hex>'), else the class sub-folder holding
   * several cases (its relative path).
   */
  group?: string;
  /** A fixed split, from the CSV. */
  split?: CaseSplit;
}

/** A file or case left out of an import, and why (the message names the file). */
export interface SkippedFile {
  /** Path relative to the source folder (or CSV). */
  file: string;
  reason: string;
}

/** What `ddcnn dataset inspect` reports per case: facts of the raw scan, before the recipe. */
export interface CaseInfo {
  id: string;
  label: string;
  group?: string;
  split?: CaseSplit;
  kind: CaseKind;
  dims: 2 | 3;
  /** Canonical [W, H, D] (written WxHxD, e.g. 512x512x20; D = 1 for 2D images). */
  size: [number, number, number];
  channels: number;
  /** Voxel size in mm, [x, y, z]. */
  spacing: [number, number, number];
  /** Smallest and largest voxel value (HU where units is 'HU'). */
  range: [number, number];
  units: 'HU' | 'stored';
  modality: string;
  fileWindow?: { center: number; width: number };
  warnings: string[];
}

export interface InspectReport {
  /** The folder or CSV, absolute. */
  source: string;
  /** Classes in sorted order, with the number of readable cases in each. */
  classes: { name: string; cases: number }[];
  cases: CaseInfo[];
  /**
   * The units a run's split keeps together: the distinct groups of the readable cases (patients, by the CSV,
   * the keyed hash of the DICOM PatientID, or the sub-folder of a class folder), plus every case without a
   * group, which is its own.
   */
  groups: { count: number; groupedCases: number };
  skipped: SkippedFile[];
}

/**
 * The preprocessing recipe: how a raw scan becomes a model input. Saved with the data set and in every run
 * trained on it; predict applies the identical recipe to a new scan.
 */
export interface Recipe {
  /** Output spatial shape: [H, W] for 2D images, [D, H, W] for volumes. */
  shape: number[];
  /** Intensity window [low, high] in the source's units: values are clipped to it, then scaled to 0..1. */
  window: [number, number];
  /**
   * Target voxel size in mm ([y, x] or [z, y, x], the order of `shape`): when given, the scan is first
   * resampled to this spacing and then centre-cropped or padded (with `low`) to `shape`; when absent, the
   * whole scan is resampled linearly to `shape`.
   */
  spacing?: number[];
  /** Output channels: 1 (colour is converted to grey by luminance) or 3 (grey is repeated). */
  channels: 1 | 3;
}

/** Progress of a long import step, with an estimate of the time left. */
export interface ImportProgress {
  phase: 'scan' | 'inspect' | 'build';
  done: number;
  total: number;
  etaSeconds?: number;
  /** The case being read now (its id). */
  current?: string;
}
