// Real class names and citations of the data sets this project knows by file name. Each entry was checked
// against the data's own README (shared/data/*/README.md): a wrong class name would silently mislabel every
// result, so unknown files get neutral names ('class 0', 'class 1', ...) rather than guesses.

import { basename } from 'node:path';

export interface KnownDataset {
  name: string;
  classes: string[];
  citation: string;
}

export const MEDMNIST_CITATION =
  'Yang J, Shi R, Wei D, Liu Z, Zhao L, Ke B, Pfister H, Ni B. MedMNIST v2 - A large-scale lightweight ' +
  'benchmark for 2D and 3D biomedical image classification. Scientific Data 10, 41 (2023). Licence CC BY 4.0.';

export const MNIST_CITATION =
  'LeCun Y, Bottou L, Bengio Y, Haffner P. Gradient-based learning applied to document recognition. ' +
  'Proceedings of the IEEE 86(11):2278-2324 (1998).';

const LIDC_CITATION =
  'Armato SG III, McLennan G, Bidaut L, et al. The Lung Image Database Consortium (LIDC) and Image Database ' +
  'Resource Initiative (IDRI): a completed reference database of lung nodules on CT scans. Medical Physics ' +
  '38(2):915-931 (2011). Data: LIDC-IDRI, The Cancer Imaging Archive, CC BY 3.0; segmented 64x64 nodule crops ' +
  'from GitHub MaximoDouglas/pulmonary-nodule-classification.';

const INTRA_CITATION =
  'Yang X, Xia D, Kin T, Igarashi T. IntrA: 3D intracranial aneurysm dataset for deep learning. CVPR (2020).';

interface Pattern {
  match: RegExp;
  describe: (m: RegExpMatchArray) => KnownDataset;
}

const PATTERNS: Pattern[] = [
  {
    // MedMNIST ships 28^3 files without a suffix and 64^3 files as *_64.npz.
    match: /^adrenalmnist3d(?:_(\d+))?\.npz$/i,
    describe: (m) => ({
      name: `AdrenalMNIST3D ${m[1] ?? '28'}^3`,
      classes: ['normal', 'hyperplasia'],
      citation: MEDMNIST_CITATION,
    }),
  },
  {
    match: /^vesselmnist3d(?:_(\d+))?\.npz$/i,
    describe: (m) => ({
      name: `VesselMNIST3D ${m[1] ?? '28'}^3`,
      classes: ['vessel', 'aneurysm'],
      citation: `${MEDMNIST_CITATION} Source data: ${INTRA_CITATION}`,
    }),
  },
  {
    match: /^lidc_nodules.*\.npz$/i,
    describe: () => ({ name: 'LIDC-IDRI nodules', classes: ['benign', 'malignant'], citation: LIDC_CITATION }),
  },
];

/** The known description of an .npz file, judged by its file name; undefined for files we do not know. */
export function knownDatasetFor(file: string): KnownDataset | undefined {
  const base = basename(file);
  for (const p of PATTERNS) {
    const m = base.match(p.match);
    if (m) return p.describe(m);
  }
  return undefined;
}

/** Neutral class names for data whose meaning we do not know. */
export function genericClassNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `class ${i}`);
}
