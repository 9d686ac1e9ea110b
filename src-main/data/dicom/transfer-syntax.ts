// The DICOM transfer syntaxes (0002,0010) the reader knows: which pixel codec each needs, and a short name
// for the messages of the ones it cannot read, so that a skipped file says what it is ("MPEG2"), not only a UID.

/** How the pixel data of a transfer syntax is decoded. */
export type PixelCodec = 'native' | 'native-big-endian' | 'rle' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000';

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const EXPLICIT_VR_BIG_ENDIAN = '1.2.840.10008.1.2.2';

const SUPPORTED: Record<string, { name: string; codec: PixelCodec }> = {
  [IMPLICIT_VR_LITTLE_ENDIAN]: { name: 'Implicit VR Little Endian', codec: 'native' },
  [EXPLICIT_VR_LITTLE_ENDIAN]: { name: 'Explicit VR Little Endian', codec: 'native' },
  // dicom-parser inflates the data set itself (zlib in Node); the pixels are then plain little endian.
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', codec: 'native' },
  [EXPLICIT_VR_BIG_ENDIAN]: { name: 'Explicit VR Big Endian', codec: 'native-big-endian' },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', codec: 'rle' },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless, process 14', codec: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG Lossless, process 14 SV1', codec: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', codec: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Near-Lossless', codec: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 Lossless', codec: 'jpeg2000' },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', codec: 'jpeg2000' },
};

// Names of syntaxes met in archives that the reader does not decode, for clear skip reasons.
const UNSUPPORTED_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline, lossy 8-bit',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended, lossy 12-bit',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 multi-component lossless',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP referenced',
  '1.2.840.10008.1.2.4.95': 'JPIP referenced deflate',
  '1.2.840.10008.1.2.4.100': 'MPEG2',
  '1.2.840.10008.1.2.4.100.1': 'MPEG2 fragmentable',
  '1.2.840.10008.1.2.4.101': 'MPEG2 high level',
  '1.2.840.10008.1.2.4.101.1': 'MPEG2 high level fragmentable',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264',
  '1.2.840.10008.1.2.4.102.1': 'MPEG-4 AVC/H.264 fragmentable',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 BD',
  '1.2.840.10008.1.2.4.103.1': 'MPEG-4 AVC/H.264 BD fragmentable',
  '1.2.840.10008.1.2.4.104': 'MPEG-4 AVC/H.264 2D video',
  '1.2.840.10008.1.2.4.105': 'MPEG-4 AVC/H.264 3D video',
  '1.2.840.10008.1.2.4.106': 'MPEG-4 AVC/H.264 stereo',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265 main',
  '1.2.840.10008.1.2.4.108': 'HEVC/H.265 main 10',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 lossless',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 RPCL lossless',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.6.1': 'RFC 2557 MIME encapsulation',
  '1.2.840.10008.1.2.6.2': 'XML encoding',
};

/** The codec of a transfer syntax, or undefined when the reader cannot decode it. */
export function pixelCodec(uid: string): PixelCodec | undefined {
  return SUPPORTED[uid]?.codec;
}

/** The name of a transfer syntax ('JPEG 2000 Lossless'), or its UID when unknown. */
export function transferSyntaxName(uid: string): string {
  return SUPPORTED[uid]?.name ?? UNSUPPORTED_NAMES[uid] ?? uid;
}

/** "1.2.840.10008.1.2.4.100 (MPEG2)", or the bare UID when the syntax is unknown. */
export function describeTransferSyntax(uid: string): string {
  const name = SUPPORTED[uid]?.name ?? UNSUPPORTED_NAMES[uid];
  return name ? `${uid} (${name})` : uid;
}
