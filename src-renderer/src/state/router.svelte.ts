/**
 * The current route, from the location hash. The hash keeps browser mode's token-bearing
 * query string untouched and makes Back and Forward work.
 */
import { formatHash, parseHash, type Route, type ViewName } from '../lib/route.ts';

export type { ViewName };

export class Router {
  route = $state<Route>(parseHash(window.location.hash));

  constructor() {
    window.addEventListener('hashchange', () => {
      this.route = parseHash(window.location.hash);
    });
  }

  go(
    view: ViewName,
    id?: number | null,
    query: Record<string, string | number | undefined> = {},
  ): void {
    const hash = formatHash(view, id, query);
    if (window.location.hash === hash) return;
    window.location.hash = hash;
  }

  /** Updates the query of the current view without a new history entry. */
  replaceQuery(query: Record<string, string | number | undefined>): void {
    const hash = formatHash(this.route.view, this.route.id, { ...this.route.query, ...query });
    history.replaceState(history.state, '', hash);
    this.route = parseHash(hash);
  }
}

export const router = new Router();
