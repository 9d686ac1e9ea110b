// Entry module of a reader process of `ddcnn bench --only fuzz`: reads one mutated file at a time with the
// reader its parent names and answers whether it read, failed with a clear error (a DataFileError naming the
// file and a reason) or failed with anything else. A crash, hang or running out of memory is what the parent
// sees when no answer comes.
import { readDicomSeries } from '../data/dicom/index';
import { DataFileError } from '../data/errors';
import { readImage, readNifti } from '../data/formats/index';
import { readNpz } from '../data/npz';

export type FuzzReader = 'dicom' | 'dicom-j2k' | 'nifti' | 'npz' | 'png' | 'jpeg' | 'pgm';

export interface FuzzRequest {
  id: number;
  reader: FuzzReader;
  file: string;
}

export type FuzzAnswer = { id: number; outcome: 'read' } | { id: number; outcome: 'clear-error' | 'unclear-error'; message: string };

async function read(reader: FuzzReader, file: string): Promise<void> {
  if (reader === 'dicom' || reader === 'dicom-j2k') await readDicomSeries([file]);
  else if (reader === 'nifti') await readNifti(file);
  else if (reader === 'npz') await readNpz(file);
  else await readImage(file);
}

process.on('message', (m: unknown) => {
  const req = m as FuzzRequest;
  void read(req.reader, req.file).then(
    () => process.send?.({ id: req.id, outcome: 'read' } satisfies FuzzAnswer),
    (err: unknown) => {
      const clear = err instanceof DataFileError && err.file.length > 0 && err.reason.length > 0;
      const message = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 400);
      process.send?.({ id: req.id, outcome: clear ? 'clear-error' : 'unclear-error', message } satisfies FuzzAnswer);
    },
  );
});
process.on('disconnect', () => process.exit(2));
process.send?.({ ready: true });
