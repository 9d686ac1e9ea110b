// dicom-parser, loaded the one way that works in Node ESM, vitest and the Electron bundle alike: its dist file
// is a webpack UMD bundle, whose named exports Node's ESM loader cannot see, so it is required, not imported.

import { createRequire } from 'node:module';
import type * as DicomParser from 'dicom-parser';

export type { DataSet, Element } from 'dicom-parser';

export const dicomParser = createRequire(import.meta.url)('dicom-parser') as typeof DicomParser;
