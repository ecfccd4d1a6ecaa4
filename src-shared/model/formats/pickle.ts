/**
 * A pickle reader for PyTorch state_dicts that never runs code. Python's unpickler calls
 * whatever callable a pickle names (`os.system` included); this one knows a short list of
 * opcodes and a short list of globals (OrderedDict, torch's tensor rebuilders and storage
 * types), implements those itself, and refuses anything else with the reason. Values come
 * out as plain data: dicts, lists, tuples, numbers, strings, storage references and tensor
 * descriptions (storage, offset, size, stride).
 */
import { FormatError } from '../format.ts';
import { latin1Decode, utf8Decode } from './text.ts';

export interface StorageRef {
  kind: 'storage';
  /** torch's storage class, e.g. "FloatStorage". */
  type: string;
  /** The storage's file name in the archive's data/ folder. */
  key: string;
  /** Elements declared for the storage. */
  numel: number;
}

export interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}

export interface PickleDict {
  kind: 'dict';
  entries: Map<PickleKey, PickleValue>;
}

export interface PickleTuple {
  kind: 'tuple';
  items: PickleValue[];
}

interface PickleGlobal {
  kind: 'global';
  name: string;
}

export type PickleKey = string | number | boolean | null;

export type PickleValue =
  | null
  | boolean
  | number
  | string
  | PickleValue[]
  | PickleDict
  | PickleTuple
  | PickleGlobal
  | StorageRef
  | TensorRef;

/** The storage classes a state_dict's tensors may use (integer ones for counters). */
export const STORAGE_TYPES = new Set([
  'FloatStorage',
  'DoubleStorage',
  'HalfStorage',
  'BFloat16Storage',
  'LongStorage',
  'IntStorage',
  'ShortStorage',
  'CharStorage',
  'ByteStorage',
  'BoolStorage',
]);

/** Every global a state_dict needs; nothing else is ever named, let alone called. */
const ALLOWED_GLOBALS = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state',
  ...[...STORAGE_TYPES].map((type) => `torch.${type}`),
]);

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

const OPCODE_NAMES: Record<number, string> = {
  0x63: 'GLOBAL',
  0x69: 'INST',
  0x6f: 'OBJ',
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x52: 'REDUCE',
  0x50: 'PERSID',
  0x49: 'INT',
  0x4c: 'LONG',
  0x46: 'FLOAT',
  0x53: 'STRING',
  0x56: 'UNICODE',
  0x8b: 'LONG4',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
  0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES',
  0x8e: 'BINBYTES8',
  0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
};

function isKey(value: PickleValue): value is PickleKey {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function describe(value: StackItem): string {
  if (value === MARK) return 'a mark';
  if (value === null) return 'None';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return `a ${value.kind}`;
  return typeof value;
}

class Reader {
  private position = 0;
  private readonly stack: StackItem[] = [];
  private readonly memo = new Map<number, PickleValue>();
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private fail(message: string): never {
    throw new FormatError(`pickle: ${message}`);
  }

  private take(count: number): Uint8Array {
    if (count < 0 || this.position + count > this.bytes.byteLength) {
      this.fail(`truncated at byte ${this.position} (wants ${count} more bytes)`);
    }
    const out = this.bytes.subarray(this.position, this.position + count);
    this.position += count;
    return out;
  }

  private uint(size: 1 | 2 | 4 | 8): number {
    const at = this.position;
    this.take(size);
    if (size === 1) return this.view.getUint8(at);
    if (size === 2) return this.view.getUint16(at, true);
    if (size === 4) return this.view.getUint32(at, true);
    const big = this.view.getBigUint64(at, true);
    if (big > BigInt(Number.MAX_SAFE_INTEGER))
      this.fail(`length ${big} at byte ${at} is too large`);
    return Number(big);
  }

  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.position);
    if (end < 0 || end - this.position > 1000)
      this.fail(`unterminated name at byte ${this.position}`);
    const text = latin1Decode(this.bytes.subarray(this.position, end));
    this.position = end + 1;
    return text;
  }

  private text(length: number): string {
    try {
      return utf8Decode(this.take(length));
    } catch (error) {
      if (error instanceof FormatError) throw error;
      return this.fail(`a string at byte ${this.position - length} is not UTF-8`);
    }
  }

  private pop(): PickleValue {
    const item = this.stack.pop();
    if (item === undefined) this.fail(`stack underflow at byte ${this.position - 1}`);
    if (item === MARK) this.fail(`unexpected mark at byte ${this.position - 1}`);
    return item;
  }

  private top(): PickleValue {
    const item = this.stack[this.stack.length - 1];
    if (item === undefined || item === MARK) this.fail(`empty stack at byte ${this.position - 1}`);
    return item;
  }

  private popMark(): PickleValue[] {
    const at = this.stack.lastIndexOf(MARK);
    if (at < 0) this.fail(`no mark at byte ${this.position - 1}`);
    const items = this.stack.splice(at) as PickleValue[];
    items.shift();
    return items;
  }

  private global(module: string, name: string): PickleGlobal {
    const full = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(full)) {
      throw new FormatError(`pickle global ${full} is not allowed in a state_dict`);
    }
    return { kind: 'global', name: full };
  }

  private setItems(target: PickleValue, items: PickleValue[]): void {
    if (
      typeof target !== 'object' ||
      target === null ||
      Array.isArray(target) ||
      target.kind !== 'dict'
    ) {
      this.fail(`setting items on ${describe(target)}`);
    }
    for (let i = 0; i + 1 < items.length; i += 2) {
      const key = items[i];
      if (!isKey(key)) this.fail(`a dict key is ${describe(key)}`);
      target.entries.set(key, items[i + 1]);
    }
  }

  private persistent(pid: PickleValue): StorageRef {
    if (typeof pid !== 'object' || pid === null || Array.isArray(pid) || pid.kind !== 'tuple') {
      this.fail(`persistent id is ${describe(pid)}, expected a storage tuple`);
    }
    const [tag, type, key, , numel] = pid.items;
    if (tag !== 'storage' || pid.items.length !== 5) this.fail('persistent id is not a storage');
    if (
      typeof type !== 'object' ||
      type === null ||
      Array.isArray(type) ||
      type.kind !== 'global'
    ) {
      this.fail('storage type is not a torch storage class');
    }
    const typeName = type.name.replace(/^torch\./, '');
    if (!STORAGE_TYPES.has(typeName))
      this.fail(`storage type ${type.name} is not a tensor storage`);
    if (typeof key !== 'string' || !/^[\w.-]{1,100}$/.test(key))
      this.fail('storage key is not a file name');
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
      this.fail(`storage ${key} declares ${String(numel)} elements`);
    }
    return { kind: 'storage', type: typeName, key, numel };
  }

  private intList(value: PickleValue, what: string): number[] {
    const items =
      typeof value === 'object' && value !== null && !Array.isArray(value) && value.kind === 'tuple'
        ? value.items
        : undefined;
    if (
      !items ||
      !items.every((item) => typeof item === 'number' && Number.isSafeInteger(item) && item >= 0)
    ) {
      this.fail(`tensor ${what} is not a tuple of non-negative integers`);
    }
    return items as number[];
  }

  /** Calls an allowed global: only the few a state_dict names, implemented here. */
  private reduce(callable: PickleValue, args: PickleValue): PickleValue {
    if (
      typeof callable !== 'object' ||
      callable === null ||
      Array.isArray(callable) ||
      callable.kind !== 'global'
    ) {
      this.fail(`REDUCE on ${describe(callable)}`);
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args) || args.kind !== 'tuple') {
      this.fail(`REDUCE arguments are ${describe(args)}`);
    }
    const items = args.items;
    switch (callable.name) {
      case 'collections.OrderedDict': {
        const dict: PickleDict = { kind: 'dict', entries: new Map() };
        if (items.length === 1 && Array.isArray(items[0])) {
          for (const pair of items[0]) {
            if (
              typeof pair !== 'object' ||
              pair === null ||
              Array.isArray(pair) ||
              pair.kind !== 'tuple'
            ) {
              this.fail('OrderedDict items are not pairs');
            }
            this.setItems(dict, pair.items);
          }
        } else if (items.length !== 0) this.fail('OrderedDict takes no arguments here');
        return dict;
      }
      case 'torch._utils._rebuild_tensor_v2': {
        if (items.length < 6 || items.length > 7)
          this.fail('_rebuild_tensor_v2 takes 6 or 7 arguments');
        const storage = items[0];
        if (
          typeof storage !== 'object' ||
          storage === null ||
          Array.isArray(storage) ||
          storage.kind !== 'storage'
        ) {
          this.fail('_rebuild_tensor_v2 without a storage');
        }
        const offset = items[1];
        if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
          this.fail('tensor storage offset is not a non-negative integer');
        }
        const size = this.intList(items[2], 'size');
        const stride = this.intList(items[3], 'stride');
        if (size.length !== stride.length) this.fail('tensor size and stride differ in length');
        return { kind: 'tensor', storage, offset, size, stride };
      }
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state': {
        const tensor = items[0];
        if (
          typeof tensor !== 'object' ||
          tensor === null ||
          Array.isArray(tensor) ||
          tensor.kind !== 'tensor'
        ) {
          this.fail(`${callable.name} without a tensor`);
        }
        return tensor;
      }
      default:
        return this.fail(`${callable.name} cannot be called`);
    }
  }

  read(): PickleValue {
    for (;;) {
      const at = this.position;
      const opcode = this.uint(1);
      switch (opcode) {
        case 0x80: // PROTO
          if (this.uint(1) > 5) this.fail('unknown protocol');
          break;
        case 0x95: // FRAME: a hint for buffered readers
          this.uint(8);
          break;
        case 0x2e: // STOP
          if (this.stack.length !== 1) this.fail(`${this.stack.length} values left at STOP`);
          return this.pop();
        case 0x28: // MARK
          this.stack.push(MARK);
          break;
        case 0x30: // POP
          this.stack.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x7d: // EMPTY_DICT
          this.stack.push({ kind: 'dict', entries: new Map() });
          break;
        case 0x64: {
          // DICT
          const dict: PickleDict = { kind: 'dict', entries: new Map() };
          this.setItems(dict, this.popMark());
          this.stack.push(dict);
          break;
        }
        case 0x5d: // EMPTY_LIST
          this.stack.push([]);
          break;
        case 0x6c: // LIST
          this.stack.push(this.popMark());
          break;
        case 0x29: // EMPTY_TUPLE
          this.stack.push({ kind: 'tuple', items: [] });
          break;
        case 0x74: // TUPLE
          this.stack.push({ kind: 'tuple', items: this.popMark() });
          break;
        case 0x85:
        case 0x86:
        case 0x87: {
          // TUPLE1..3
          const count = opcode - 0x84;
          const items: PickleValue[] = [];
          for (let i = 0; i < count; i++) items.unshift(this.pop());
          this.stack.push({ kind: 'tuple', items });
          break;
        }
        case 0x61: {
          // APPEND
          const item = this.pop();
          const list = this.top();
          if (!Array.isArray(list)) this.fail(`APPEND to ${describe(list)}`);
          list.push(item);
          break;
        }
        case 0x65: {
          // APPENDS
          const items = this.popMark();
          const list = this.top();
          if (!Array.isArray(list)) this.fail(`APPENDS to ${describe(list)}`);
          list.push(...items);
          break;
        }
        case 0x73: {
          // SETITEM
          const value = this.pop();
          const key = this.pop();
          this.setItems(this.top(), [key, value]);
          break;
        }
        case 0x75: {
          // SETITEMS
          const items = this.popMark();
          this.setItems(this.top(), items);
          break;
        }
        case 0x4e: // NONE
          this.stack.push(null);
          break;
        case 0x88: // NEWTRUE
          this.stack.push(true);
          break;
        case 0x89: // NEWFALSE
          this.stack.push(false);
          break;
        case 0x4a: {
          // BININT
          const start = this.position;
          this.take(4);
          this.stack.push(this.view.getInt32(start, true));
          break;
        }
        case 0x4b: // BININT1
          this.stack.push(this.uint(1));
          break;
        case 0x4d: // BININT2
          this.stack.push(this.uint(2));
          break;
        case 0x8a: {
          // LONG1: little-endian two's complement of n bytes
          const length = this.uint(1);
          if (length > 8) this.fail(`an integer of ${length} bytes at byte ${at}`);
          const bytes = this.take(length);
          let value = 0n;
          for (let i = length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
          if (length > 0 && bytes[length - 1] & 0x80) value -= 1n << BigInt(8 * length);
          if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
            this.fail(`integer ${value} at byte ${at} is too large`);
          }
          this.stack.push(Number(value));
          break;
        }
        case 0x47: {
          // BINFLOAT (big-endian)
          const start = this.position;
          this.take(8);
          this.stack.push(this.view.getFloat64(start, false));
          break;
        }
        case 0x58: // BINUNICODE
          this.stack.push(this.text(this.uint(4)));
          break;
        case 0x8c: // SHORT_BINUNICODE
          this.stack.push(this.text(this.uint(1)));
          break;
        case 0x8d: // BINUNICODE8
          this.stack.push(this.text(this.uint(8)));
          break;
        case 0x54: // BINSTRING (Python 2 str)
          this.stack.push(latin1Decode(this.take(this.uint(4))));
          break;
        case 0x55: // SHORT_BINSTRING
          this.stack.push(latin1Decode(this.take(this.uint(1))));
          break;
        case 0x63: {
          // GLOBAL
          const module = this.line();
          const name = this.line();
          this.stack.push(this.global(module, name));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string')
            this.fail('STACK_GLOBAL without names');
          this.stack.push(this.global(module, name));
          break;
        }
        case 0x71: // BINPUT
          this.memo.set(this.uint(1), this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(this.uint(4), this.top());
          break;
        case 0x94: // MEMOIZE
          this.memo.set(this.memo.size, this.top());
          break;
        case 0x68: // BINGET
        case 0x6a: {
          // LONG_BINGET
          const index = this.uint(opcode === 0x68 ? 1 : 4);
          if (!this.memo.has(index)) this.fail(`memo ${index} is not set (byte ${at})`);
          this.stack.push(this.memo.get(index) as PickleValue);
          break;
        }
        case 0x51: // BINPERSID
          this.stack.push(this.persistent(this.pop()));
          break;
        case 0x52: {
          // REDUCE
          const args = this.pop();
          const callable = this.pop();
          this.stack.push(this.reduce(callable, args));
          break;
        }
        case 0x62: {
          // BUILD: the state of an OrderedDict (its _metadata) or a parameter; not needed.
          this.pop();
          const target = this.top();
          if (typeof target !== 'object' || target === null || Array.isArray(target)) {
            this.fail(`BUILD on ${describe(target)}`);
          }
          if (target.kind !== 'dict' && target.kind !== 'tensor')
            this.fail(`BUILD on a ${target.kind}`);
          break;
        }
        default: {
          const name = OPCODE_NAMES[opcode];
          this.fail(
            `opcode 0x${opcode.toString(16).padStart(2, '0')}${name ? ` (${name})` : ''} at byte ${at} is not allowed in a state_dict`,
          );
        }
      }
    }
  }
}

/** Reads a pickle without running any code; refuses what a state_dict does not need. */
export function readPickle(bytes: Uint8Array): PickleValue {
  return new Reader(bytes).read();
}
