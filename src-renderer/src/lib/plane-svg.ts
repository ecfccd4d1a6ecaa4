/**
 * A partition as an SVG document (for papers): regions filled by pattern colour, or the
 * blanket red over light blue, edges, domain outline and the spanning points ○ □ △.
 */
import type { PartitionView } from '../../../src-shared/api/dto.ts';
import { BLANKET_BLUE, BLANKET_RED, REGION_PALETTE, regionColorIndices } from './colors.ts';
import { boundsOf } from './plane-geometry.ts';

export interface PlaneSvgOptions {
  size?: number;
  blanket?: Uint8Array | null;
  points?: Float64Array | null;
  title?: string;
  edges?: boolean;
}

export function planeSvg(view: PartitionView, options: PlaneSvgOptions = {}): string {
  const size = options.size ?? 640;
  const margin = 12;
  const b = boundsOf(view.domain.length >= 6 ? view.domain : view.vertices);
  const span = Math.max(b.maxX - b.minX, b.maxY - b.minY, 1e-12);
  const scale = (size - 2 * margin) / span;
  const px = (x: number) => (margin + (x - b.minX) * scale).toFixed(2);
  const py = (y: number) => (margin + (b.maxY - y) * scale).toFixed(2);
  const colors = options.blanket
    ? null
    : regionColorIndices(view.patterns, view.patternWords, view.regionCount);
  const parts: string[] = [];
  const titleHeight = options.title ? 22 : 0;
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size + titleHeight}" viewBox="0 ${-titleHeight} ${size} ${size + titleHeight}">`,
  );
  if (options.title) {
    parts.push(
      `<text x="${margin}" y="-6" font-family="sans-serif" font-size="13">${escapeXml(options.title)}</text>`,
    );
  }
  const stroke = options.edges === false ? 'none' : 'rgba(30,41,59,0.4)';
  parts.push(`<g stroke="${stroke}" stroke-width="0.4" stroke-linejoin="round">`);
  for (let r = 0; r < view.regionCount; r++) {
    const start = view.vertexOffsets[r];
    const end = view.vertexOffsets[r + 1];
    let d = '';
    for (let i = start; i < end; i++)
      d += `${i === start ? '' : ' '}${px(view.vertices[2 * i])},${py(view.vertices[2 * i + 1])}`;
    const fill = options.blanket
      ? options.blanket[r]
        ? BLANKET_RED
        : BLANKET_BLUE
      : REGION_PALETTE[colors![r]];
    parts.push(`<polygon points="${d}" fill="${fill}"/>`);
  }
  parts.push('</g>');
  const points = options.points;
  if (points && points.length >= 6) {
    const shapes = [
      (x: string, y: string) => `<circle cx="${x}" cy="${y}" r="6"/>`,
      (x: string, y: string) =>
        `<rect x="${Number(x) - 6}" y="${Number(y) - 6}" width="12" height="12"/>`,
      (x: string, y: string) =>
        `<polygon points="${x},${Number(y) - 7} ${Number(x) + 6.5},${Number(y) + 5} ${Number(x) - 6.5},${Number(y) + 5}"/>`,
    ];
    parts.push('<g fill="white" fill-opacity="0.85" stroke="#111" stroke-width="2">');
    for (let k = 0; k < 3; k++) parts.push(shapes[k](px(points[2 * k]), py(points[2 * k + 1])));
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('\n');
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
