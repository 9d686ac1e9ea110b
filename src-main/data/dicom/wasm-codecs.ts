// The WebAssembly decoders of JPEG 2000 (@cornerstonejs/codec-openjpeg) and JPEG-LS (@cornerstonejs/codec-charls).
// Each wasm module is instantiated once, lazily, on the first frame that needs it (most imports need neither),
// and with print/printErr swallowed: OpenJPEG otherwise writes "[INFO] ..." lines to the console per frame.
// The decode-only builds are loaded: smaller, and the reader never encodes.

import { createRequire } from 'node:module';

/** A decoded frame as the codecs report it. */
export interface CodecFrame {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  /** The samples, copied out of the wasm heap (which the next decode reuses): 1 or 2 bytes each, little endian. */
  bytes: Uint8Array;
}

interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
}

/** The embind decoder classes of both packages share this shape. */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): WasmFrameInfo;
  delete(): void;
}

interface OpenJpegModule {
  J2KDecoder: new () => WasmDecoder;
}
interface CharlsModule {
  JpegLSDecoder: new () => WasmDecoder;
}

type Factory<M> = (options: { print: (s: string) => void; printErr: (s: string) => void }) => Promise<M>;

// Not named `require`: the Electron build injects its own `require` into chunks that call one, and the two would clash.
const requireHere = createRequire(import.meta.url);
const quiet = { print: () => {}, printErr: () => {} };

let openJpeg: Promise<OpenJpegModule> | undefined;
let charls: Promise<CharlsModule> | undefined;

function loadOpenJpeg(): Promise<OpenJpegModule> {
  openJpeg ??= (requireHere('@cornerstonejs/codec-openjpeg/decodewasmjs') as Factory<OpenJpegModule>)(quiet);
  return openJpeg;
}

function loadCharls(): Promise<CharlsModule> {
  charls ??= (requireHere('@cornerstonejs/codec-charls/decodewasmjs') as Factory<CharlsModule>)(quiet);
  return charls;
}

function run(decoder: WasmDecoder, encoded: Uint8Array): CodecFrame {
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    return {
      width: info.width,
      height: info.height,
      bitsPerSample: info.bitsPerSample,
      componentCount: info.componentCount,
      bytes: decoder.getDecodedBuffer().slice(),
    };
  } finally {
    decoder.delete();
  }
}

/** Decodes a JPEG 2000 codestream (J2K or JP2). */
export async function decodeJpeg2000(encoded: Uint8Array): Promise<CodecFrame> {
  const module = await loadOpenJpeg();
  return run(new module.J2KDecoder(), encoded);
}

/** Decodes a JPEG-LS stream (lossless or near-lossless). */
export async function decodeJpegLs(encoded: Uint8Array): Promise<CodecFrame> {
  const module = await loadCharls();
  return run(new module.JpegLSDecoder(), encoded);
}
