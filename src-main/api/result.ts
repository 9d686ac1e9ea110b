// Turning the main side's outcomes into the contract's Result values. Handlers throw ApiFailure for
// expected refusals (not found, busy); anything else thrown is reported as 'failed' with its message,
// so the UI always gets a readable reason instead of Electron's generic "Error invoking remote method".
import type { ApiError, ErrorCode, Result } from './contract';

export class ApiFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const fail = (code: ErrorCode, message: string): { ok: false; error: ApiError } => ({ ok: false, error: { code, message } });

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiFailure) return { code: e.code, message: e.message };
  if (e instanceof Error) return { code: 'failed', message: e.message };
  return { code: 'failed', message: String(e) };
}
