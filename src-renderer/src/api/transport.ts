export type { Transport } from '../../../src-shared/api/transport.ts';
