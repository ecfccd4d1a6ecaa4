/** A lookup by id that found nothing; the message names the kind and the id. */
export class NotFoundError extends Error {
  constructor(kind: string, id: number | string) {
    super(`no ${kind} with id ${JSON.stringify(id)}`);
    this.name = 'NotFoundError';
  }
}
