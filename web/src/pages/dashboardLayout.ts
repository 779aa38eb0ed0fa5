// The dashboard grid's geometry, shared by the page that draws it and the route that preloads
// what its first screen needs.
import type { Dashboard } from '../api/dashboards';

/** Below this width the grid is one column in reading order. */
export const kNarrow = 720;
export const kRowHeight = 60;
export const kGridMargin = 16;

/** Whether a chart of `d` is on the first screen of a window `width` × `height` px: in the
 *  grid of a wide window, a chart whose top row starts within the window's height (the page
 *  header above it is left out: a chart just below the fold loads a little early). On a
 *  narrow window the numbers come first and charts below them. */
export function chartInFirstScreen(d: Pick<Dashboard, 'widgets'>, width: number, height: number): boolean {
  if (width < kNarrow) return false;
  return d.widgets.some((w) => w.widget_type === 'chart' && !w.forbidden
    && w.grid.y * (kRowHeight + kGridMargin) < height);
}
