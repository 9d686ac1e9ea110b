// One request from any transport (Electron IPC now, the web-mode socket later): size check, schema
// validation, the handler, and the answer as a Result. The transport checks who is asking first.
import type { z } from 'zod';
import { MAX_PAYLOAD_BYTES, requestSchemas, type Channel, type Handlers, type Responses, type Result } from './contract';
import { fail, ok, toApiError } from './result';

/**
 * Whether `value`, written as JSON, would stay within `maxBytes` (strings counted by UTF-16 length, close
 * enough for a limit). Walks with an early exit so that a huge payload costs no more than the limit to
 * refuse, before zod would iterate all of it.
 */
export function withinSize(value: unknown, maxBytes: number): boolean {
  let budget = maxBytes;
  const seen = new Set<object>();
  const walk = (v: unknown): boolean => {
    if (v === null || v === undefined || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') {
      budget -= 8;
    } else if (typeof v === 'string') {
      budget -= v.length + 2;
    } else if (typeof v === 'object') {
      // A cycle cannot be JSON; structured clone allows it, so refuse it here rather than loop.
      if (seen.has(v)) return false;
      seen.add(v);
      budget -= 2;
      if (ArrayBuffer.isView(v)) budget -= v.byteLength;
      else if (v instanceof ArrayBuffer) budget -= v.byteLength;
      else {
        for (const key in v) {
          budget -= key.length + 4;
          if (budget < 0 || !walk((v as Record<string, unknown>)[key])) return false;
        }
      }
    } else {
      budget -= 8;
    }
    return budget >= 0;
  };
  return walk(value);
}

/** Zod's issues as one line a person can act on: `grid: needs one entry per spatial axis; epochs: ...`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'request'}: ${i.message}`).join('; ');
}

/** Validates `args` (what the transport received after the channel name) and runs the channel's handler. */
export async function dispatch<C extends Channel>(channel: C, args: readonly unknown[], handlers: Handlers): Promise<Result<Responses[C]>> {
  if (!Object.hasOwn(requestSchemas, channel)) return fail('invalid_request', `unknown channel ${String(channel)}`);
  if (args.length > 1) return fail('invalid_request', `${channel} takes at most one argument, got ${args.length}`);
  const payload = args[0];
  if (!withinSize(payload, MAX_PAYLOAD_BYTES)) return fail('invalid_request', `${channel}: request larger than ${MAX_PAYLOAD_BYTES} bytes`);
  const parsed = requestSchemas[channel].safeParse(payload);
  if (!parsed.success) return fail('invalid_request', `${channel}: ${formatIssues(parsed.error)}`);
  try {
    return ok(await handlers[channel](parsed.data));
  } catch (e) {
    return { ok: false, error: toApiError(e) };
  }
}
