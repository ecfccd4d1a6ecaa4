/**
 * A partition drawn as an SVG string (pure string building; no DOM): every region a
 * polygon, optionally the blanket in red over light blue, and the spanning points marked
 * ○ □ △ as in the thesis figures.
 */
import type { Partition } from './partition.ts';

export interface SvgOptions {
  /** Width and height of the picture in pixels. */
  size?: number;
  /** The three spanning points in plane coordinates (6 numbers), drawn ○ □ △. */
  points?: Float64Array | null;
  /** 1 = region in the blanket (red), 0 = outside (light blue). */
  blanket?: Uint8Array | null;
  /** Region outline colour. */
  stroke?: string;
}

const BLANKET_FILL = '#d62728';
const OUTSIDE_FILL = '#cfe3f5';

/** A stable pastel colour per region pattern, so neighbours usually differ. */
function patternColour(partition: Partition, region: number): string {
  let hash = 2166136261;
  const base = region * partition.patternWords;
  for (let w = 0; w < partition.patternWords; w++) {
    hash = Math.imul(hash ^ partition.patterns[base + w], 16777619);
  }
  hash = Math.imul(hash ^ (hash >>> 15), 2246822507) >>> 0;
  return `hsl(${hash % 360},${45 + ((hash >>> 9) % 30)}%,${60 + ((hash >>> 17) % 20)}%)`;
}

function format(value: number): string {
  return String(Math.round(value * 100) / 100);
}

export function partitionToSvg(partition: Partition, options: SvgOptions = {}): string {
  const size = options.size ?? 600;
  const { vertices, vertexOffsets } = partition;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < vertices.length; i += 2) {
    minX = Math.min(minX, vertices[i]);
    maxX = Math.max(maxX, vertices[i]);
    minY = Math.min(minY, vertices[i + 1]);
    maxY = Math.max(maxY, vertices[i + 1]);
  }
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  const scale = size / span;
  // Plane y grows upwards, SVG y downwards.
  const px = (x: number) => format((x - minX) * scale);
  const py = (y: number) => format((maxY - y) * scale);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">`,
  ];
  const stroke = options.stroke ?? '#ffffff';
  const strokeWidth = partition.regionCount > 2000 ? 0.2 : 0.6;
  for (let r = 0; r < partition.regionCount; r++) {
    const fill = options.blanket
      ? options.blanket[r]
        ? BLANKET_FILL
        : OUTSIDE_FILL
      : patternColour(partition, r);
    const coords: string[] = [];
    for (let i = vertexOffsets[r]; i < vertexOffsets[r + 1]; i++) {
      coords.push(`${px(vertices[2 * i])},${py(vertices[2 * i + 1])}`);
    }
    parts.push(
      `<polygon points="${coords.join(' ')}" fill="${fill}" stroke="${stroke}" stroke-width="${strokeWidth}"/>`,
    );
  }
  if (options.points) {
    const p = options.points;
    const mark = 'fill="none" stroke="#000000" stroke-width="2"';
    const r = Math.max(4, size / 80);
    parts.push(`<circle cx="${px(p[0])}" cy="${py(p[1])}" r="${format(r)}" ${mark}/>`);
    const sx = (p[2] - minX) * scale;
    const sy = (maxY - p[3]) * scale;
    parts.push(
      `<rect x="${format(sx - r)}" y="${format(sy - r)}" width="${format(2 * r)}" height="${format(2 * r)}" ${mark}/>`,
    );
    const tx = (p[4] - minX) * scale;
    const ty = (maxY - p[5]) * scale;
    const triangle = [
      `${format(tx)},${format(ty - r * 1.2)}`,
      `${format(tx - r * 1.1)},${format(ty + r * 0.8)}`,
      `${format(tx + r * 1.1)},${format(ty + r * 0.8)}`,
    ];
    parts.push(`<polygon points="${triangle.join(' ')}" ${mark}/>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}
