// The dashboard grid's geometry.

/** Below this width the grid is one column in reading order. */
export const kNarrow = 720;
export const kRowHeight = 60;
export const kGridMargin = 16;
