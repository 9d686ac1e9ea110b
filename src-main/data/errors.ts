// Errors of the data layer. Every failure to read a data file names the file and the reason, so that the
// message alone (shown in the UI, the CLI or a run's log) tells the user what to fix.

export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'DataFileError';
  }
}

/** Maps a Node file-system error to a DataFileError with a plain reason ("not found" rather than ENOENT). */
export function fileSystemError(file: string, err: unknown): DataFileError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new DataFileError(file, 'not found');
    case 'EISDIR':
      return new DataFileError(file, 'is a directory, not a file');
    case 'EACCES':
    case 'EPERM':
      return new DataFileError(file, 'permission denied');
    default:
      return new DataFileError(file, err instanceof Error ? err.message : String(err));
  }
}
