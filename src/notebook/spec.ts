/**
 * The chart vocabulary without vega: the spec type einconv's builders return
 * and its rendering helpers accept, and the vega-lite constants. Pure: this
 * module (and the `.d.ts` of everything that imports it) needs neither vega
 * nor vega-lite installed, so `imshowSpec`, `plotConvSpec`,
 * `benchHeatmapsSpec` and `formatArray` type-check in a project without them.
 * Only rendering (charts.ts: `renderChart`, `displayChart`, ...) loads vega, lazily.
 */

/**
 * A vega-lite v5 top-level spec, typed as a JSON record: einconv's
 * declarations must not name vega-lite's own types, which would make every
 * consumer install vega-lite to type-check. For field-by-field checking of
 * a spec you write, annotate it with vega-lite's `TopLevelSpec`
 * (`import type { TopLevelSpec } from "vega-lite"`); einconv's rendering
 * helpers accept any spec object.
 */
export type ChartSpec = { $schema?: string; [key: string]: unknown };

/** Schema URL stamped on every spec einconv builds. */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** MIME type JupyterLab renders with its vega-lite 5 extension. */
export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";
