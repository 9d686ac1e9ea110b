// The format readers of the medical import, one per CaseKind except DICOM: each reads its file(s) into a
// Volume (volume.ts) with canonical axes, or throws a DataFileError naming the file and the reason.

export { readNifti, HU_AIR_THRESHOLD } from './nifti';
export { readImage, decodeImage, type Image2D } from './image';
export { readPngStack, sortSliceFiles } from './png-stack';
export { readNpyVolume } from './npy-volume';
