import { quote } from '../../src-shared/api/validate.ts';

/** A lookup by id that found nothing; the message names the kind and the id. */
export class NotFoundError extends Error {
  constructor(kind: string, id: number | string) {
    super(`no ${kind} with id ${typeof id === 'number' ? String(id) : quote(id)}`);
    this.name = 'NotFoundError';
  }
}
