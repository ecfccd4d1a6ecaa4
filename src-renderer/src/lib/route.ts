/** Hash routes: `#/runs`, `#/model/12`, `#/planes?checkpoint=3&set=1&plane=0`. */

export type ViewName = 'home' | 'designer' | 'runs' | 'model' | 'planes' | 'compare';

const VIEWS: readonly ViewName[] = ['home', 'designer', 'runs', 'model', 'planes', 'compare'];

export interface Route {
  view: ViewName;
  id: number | null;
  query: Record<string, string>;
}

export function parseHash(hash: string): Route {
  const [path, search = ''] = hash.replace(/^#\/?/, '').split('?');
  const [name, id] = path.split('/');
  const view = (VIEWS as string[]).includes(name) ? (name as ViewName) : 'home';
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(search)) query[key] = value;
  const parsed = Number(id);
  return { view, id: Number.isInteger(parsed) && parsed > 0 ? parsed : null, query };
}

export function formatHash(
  view: ViewName,
  id?: number | null,
  query: Record<string, string | number | undefined> = {},
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return `#/${view}${id ? `/${id}` : ''}${text ? `?${text}` : ''}`;
}
