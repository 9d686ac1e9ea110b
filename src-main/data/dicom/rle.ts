// Decoder of DICOM RLE Lossless (1.2.840.10008.1.2.5, PS3.5 annex G): no maintained npm package does it, and
// the format is small. A frame is a 64-byte header (segment count, then 15 segment offsets) and up to 15
// PackBits segments, one per byte plane: for each sample, its most significant byte first.

/**
 * Decodes one RLE frame into little-endian samples interleaved per pixel (the layout of native data with
 * PlanarConfiguration 0), `bytesPerSample` bytes each. Throws a plain Error on a malformed frame.
 */
export function decodeRle(frame: Uint8Array, pixels: number, samplesPerPixel: number, bytesPerSample: number): Uint8Array {
  if (frame.length < 64) throw new Error(`RLE frame of ${frame.length} bytes is shorter than its 64-byte header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  const planes = samplesPerPixel * bytesPerSample;
  if (segments !== planes) throw new Error(`RLE frame has ${segments} segments, expected ${planes}`);
  // PackBits turns 2 bytes into at most 128: a frame that cannot hold its declared size fails before allocating it.
  if (pixels * planes > 64 * frame.length) throw new Error(`RLE frame of ${frame.length} bytes cannot hold ${pixels} pixels of ${planes} byte plane(s)`);
  const out = new Uint8Array(pixels * planes);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || end > frame.length || end < start) throw new Error(`RLE segment ${s + 1} has a bad offset`);
    const sample = Math.floor(s / bytesPerSample);
    const byte = bytesPerSample - 1 - (s % bytesPerSample); // segment 0 of a sample is its most significant byte
    decodeSegment(frame, start, end, out, sample * bytesPerSample + byte, planes, pixels);
  }
  return out;
}

/** Unpacks one PackBits segment into every `stride`-th byte of `out` from `offset`. */
function decodeSegment(src: Uint8Array, start: number, end: number, out: Uint8Array, offset: number, stride: number, pixels: number): void {
  let i = start;
  let o = offset;
  const stop = offset + pixels * stride;
  while (i < end && o < stop) {
    const n = src[i++];
    if (n < 128) {
      // n + 1 literal bytes follow.
      const count = Math.min(n + 1, end - i, (stop - o) / stride);
      for (let k = 0; k < count; k++, o += stride) out[o] = src[i + k];
      i += n + 1;
    } else if (n > 128) {
      // The next byte repeated 257 - n times (n is -(count - 1) as a signed byte).
      const value = src[i++];
      const count = Math.min(257 - n, (stop - o) / stride);
      for (let k = 0; k < count; k++, o += stride) out[o] = value;
    }
    // n = 128 (-128) is a no-op.
  }
  if (o < stop) throw new Error(`RLE segment ends after ${(o - offset) / stride} of ${pixels} pixels`);
}
