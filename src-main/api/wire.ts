// JSON for the web-mode transport (src-main/server, src-renderer/lib/web-api.ts): the api's requests,
// responses and events as text, keeping what Electron's structured clone keeps and plain JSON loses:
// typed arrays and ArrayBuffers (image slices, probabilities) and non-finite numbers (a diverging loss is
// NaN, which JSON would turn into null). Imported by the server and by the renderer, so it uses nothing
// from Node or the DOM beyond btoa/atob, which both have.

/** The tag key of an encoded value; no api type uses it as a property name. */
const TAG = '$wire';

const TYPED = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type TypedName = keyof typeof TYPED;

function toBase64(bytes: Uint8Array): string {
  // btoa takes a binary string; build it in chunks, as String.fromCharCode(...all) overflows the stack.
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function typedName(v: ArrayBufferView): TypedName | undefined {
  for (const name of Object.keys(TYPED) as TypedName[]) if (v instanceof TYPED[name]) return name;
  return undefined;
}

/** One value in JSON's terms, recursively. */
function encodeValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : { [TAG]: 'number', value: String(v) };
  if (v === null || typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) {
    const name = v instanceof DataView ? undefined : typedName(v);
    if (!name) throw new Error(`cannot send a ${v.constructor.name} over the web transport`);
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return { [TAG]: name, base64: toBase64(bytes) };
  }
  if (v instanceof ArrayBuffer) return { [TAG]: 'ArrayBuffer', base64: toBase64(new Uint8Array(v)) };
  if (Array.isArray(v)) return v.map(encodeValue);
  if (v instanceof Date) return v.toISOString();
  // fromEntries defines own properties, so a key named __proto__ stays data and never sets a prototype.
  return Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (x === undefined ? [] : [[k, encodeValue(x)]])));
}

function decodeTagged(o: Record<string, unknown>): unknown {
  const tag = o[TAG];
  if (tag === 'number') {
    const n = Number(o.value);
    if (!Number.isNaN(n) || o.value === 'NaN') return n;
  } else if (tag === 'ArrayBuffer' && typeof o.base64 === 'string') {
    return fromBase64(o.base64).buffer;
  } else if (typeof tag === 'string' && Object.hasOwn(TYPED, tag) && typeof o.base64 === 'string') {
    const bytes = fromBase64(o.base64);
    const Ctor = TYPED[tag as TypedName];
    if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
  }
  throw new Error(`malformed ${TAG} value: ${JSON.stringify(o).slice(0, 80)}`);
}

/** `value` as JSON text, with typed arrays, ArrayBuffers and NaN/Infinity kept. */
export function encodeWire(value: unknown): string {
  return JSON.stringify(encodeValue(value)) ?? 'null';
}

/** The value `encodeWire` wrote; throws SyntaxError on text that is not JSON and Error on a bad tag. */
export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, TAG)) return decodeTagged(v as Record<string, unknown>);
    return v;
  });
}

/**
 * The request header with which the web client (src-renderer/lib/web-api.ts) asks `ddcnn serve` to send
 * the api's answers with status 200 even when the Result says ok:false (a run not found, a refused
 * payload, a failed prediction): for that client an error Result is an answer, not a failed request, and
 * browsers log every 4xx/5xx response as a console error. Refusals before a channel answers (no token,
 * a foreign origin, a body too large or not JSON) keep their status. Other clients (curl) get the status
 * that matches the error code.
 */
export const RESULT_STATUS_HEADER = 'X-DDCNN-Result-Status';
export const RESULT_STATUS_ALWAYS_200 = 'always-200';
