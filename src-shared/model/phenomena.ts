/**
 * Semantic phenomena (thesis section 4): the sets of samples a specialization is
 * measured for. By default each class is one phenomenon; a user may name a set of
 * classes, e.g. "footwear" = Sandal + Sneaker + Ankle boot (5, 7, 9) in Fashion MNIST.
 */

export interface Phenomenon {
  readonly name: string;
  /** Class indices whose samples embody the phenomenon, ascending, without repeats. */
  readonly labels: readonly number[];
}

/** One phenomenon per class, named after the class. */
export function classPhenomena(classNames: readonly string[]): Phenomenon[] {
  return classNames.map((name, label) => ({ name, labels: [label] }));
}

/** Validates a user-defined phenomenon against a dataset's classes. */
export function definePhenomenon(
  classNames: readonly string[],
  name: unknown,
  labels: unknown,
): Phenomenon {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TypeError('phenomenon name must be a non-empty string');
  }
  if (!Array.isArray(labels) || labels.length === 0) {
    throw new TypeError(`phenomenon '${name}': labels must be a non-empty array of class indices`);
  }
  const seen = new Set<number>();
  for (const [index, label] of labels.entries()) {
    if (
      typeof label !== 'number' ||
      !Number.isInteger(label) ||
      label < 0 ||
      label >= classNames.length
    ) {
      throw new RangeError(
        `phenomenon '${name}': labels[${index}] = ${String(label)} is not a class of this dataset (0–${classNames.length - 1})`,
      );
    }
    if (seen.has(label))
      throw new RangeError(`phenomenon '${name}': class ${label} is listed twice`);
    seen.add(label);
  }
  return { name: name.trim(), labels: [...seen].sort((a, b) => a - b) };
}

/** Indices of the samples whose label belongs to the phenomenon. */
export function phenomenonMembers(labels: Uint8Array, phenomenon: Phenomenon): Uint32Array {
  const member = new Uint8Array(256);
  for (const label of phenomenon.labels) member[label] = 1;
  let count = 0;
  for (let i = 0; i < labels.length; i++) count += member[labels[i]];
  const indices = new Uint32Array(count);
  let next = 0;
  for (let i = 0; i < labels.length; i++) if (member[labels[i]] === 1) indices[next++] = i;
  return indices;
}
