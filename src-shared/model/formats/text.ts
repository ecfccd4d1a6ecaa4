/**
 * Text in model files: UTF-8 (JSON headers, pickle strings) and Latin-1 (pickle names).
 * Every platform of the lab (Node, Chromium) has TextEncoder/TextDecoder; src-shared is
 * compiled without DOM or Node types, so it declares only the shape it uses.
 */
interface Utf8Decoder {
  decode(bytes: Uint8Array): string;
}
const platform = globalThis as unknown as {
  TextEncoder: new () => { encode(text: string): Uint8Array };
  TextDecoder: new (label: string, options?: { fatal: boolean }) => Utf8Decoder;
};

/** UTF-8 bytes to text; invalid UTF-8 throws (a TypeError from the platform). */
export function utf8Decode(bytes: Uint8Array): string {
  return new platform.TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

export function utf8Encode(text: string): Uint8Array {
  return new platform.TextEncoder().encode(text);
}

/** Latin-1: one character per byte (Python 2 strings and pickle's GLOBAL names). */
export function latin1Decode(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    text += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return text;
}
