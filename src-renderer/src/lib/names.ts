/**
 * Model names are long ("Lenet(300,100) d=0.0342 seed 3 fashion"); when a cell is too
 * narrow the stem is cut with an ellipsis and the part from "seed" on stays visible,
 * since the seed is what tells replicates apart.
 */
export function splitAtSeed(name: string): { stem: string; tail: string } {
  const match = /^(.*?)(\s+seed\s*\d+.*)$/i.exec(name);
  return match ? { stem: match[1], tail: match[2] } : { stem: name, tail: '' };
}
