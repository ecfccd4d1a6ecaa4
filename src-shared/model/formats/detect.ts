/**
 * Which reader a model file needs, from its first bytes (zip, safetensors header, JSON)
 * and then its extension (ONNX has no magic number). JSON files are told apart after
 * parsing: mbh-model, mbh-model-bundle or a tfjs layers model.json.
 */
import { FormatError } from '../format.ts';

export type ModelFileKind = 'json' | 'onnx' | 'safetensors' | 'pytorch';

/** The extensions the lab recognises (for file pickers and messages). */
export const MODEL_FILE_EXTENSIONS = ['.json', '.onnx', '.safetensors', '.pt', '.pth'];

function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot < 0 ? '' : fileName.slice(dot).toLowerCase();
}

function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 10) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getBigUint64(0, true) <= BigInt(bytes.byteLength - 8) && bytes[8] === 0x7b;
}

function looksLikeJson(bytes: Uint8Array): boolean {
  for (let i = 0; i < Math.min(bytes.byteLength, 64); i++) {
    const byte = bytes[i];
    if (
      byte === 0x20 ||
      byte === 0x0a ||
      byte === 0x0d ||
      byte === 0x09 ||
      byte === 0xef ||
      byte === 0xbb ||
      byte === 0xbf
    ) {
      continue;
    }
    return byte === 0x7b;
  }
  return false;
}

/** The kind of model file; a pre-1.6 torch.save pickle or an unknown file is refused. */
export function detectModelFile(fileName: string, bytes: Uint8Array): ModelFileKind {
  const extension = extensionOf(fileName);
  if (
    bytes.byteLength >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    bytes[2] === 0x03 &&
    bytes[3] === 0x04
  ) {
    return 'pytorch';
  }
  if (
    bytes.byteLength >= 2 &&
    bytes[0] === 0x80 &&
    bytes[1] <= 5 &&
    ['.pt', '.pth', '.pkl', '.bin'].includes(extension)
  ) {
    throw new FormatError(
      'a legacy (pre-1.6) torch.save file; re-save it with torch.save(model.state_dict(), path) from a current PyTorch',
    );
  }
  if (extension === '.safetensors' || looksLikeSafetensors(bytes)) return 'safetensors';
  if (extension === '.json' || looksLikeJson(bytes)) return 'json';
  if (extension === '.onnx') return 'onnx';
  if (extension === '.pt' || extension === '.pth') {
    throw new FormatError('not a torch.save zip archive (no zip header)');
  }
  // ONNX has no magic number; a ModelProto from torch.onnx or onnx starts with ir_version.
  if (bytes.byteLength > 0 && bytes[0] === 0x08) return 'onnx';
  throw new FormatError(
    `cannot tell the model format (expected ${MODEL_FILE_EXTENSIONS.join(', ')} or a tfjs model.json)`,
  );
}
