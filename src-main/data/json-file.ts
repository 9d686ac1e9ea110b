// Reading a JSON file the project wrote itself (a cache manifest...) and validating it against its schema: a
// stale or hand-edited file must fail with a message naming the file, not as a wrong shape deep in training.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { DataFileError, fileSystemError } from './errors';

/** Reads `file` as JSON and checks it against `schema`; `what` names the kind of file in the message. */
export function readJsonFile<T>(file: string, schema: z.ZodType<T>, what: string): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw fileSystemError(file, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DataFileError(file, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new DataFileError(file, `invalid ${what}: ${issues}`);
  }
  return parsed.data;
}
