/**
 * Notebook helpers for TypeScript Jupyter kernels (tslab and Deno's
 * `deno jupyter`): numpy-style array display, heatmaps, convolution panels,
 * benchmarks and their heatmap figure.
 *
 * Displaying helpers send output to the cell being executed, on either kernel
 * (src/notebook/kernel.ts decides which), or to `options.target`; chart
 * helpers return Promises, so `await` them in cells.
 * Every chart also has a pure `*Spec` function returning the vega-lite spec.
 */
export {
  type DisplayHandle,
  type DisplayOptions,
  type DisplayTarget,
  type Kernel,
  type KernelKind,
  type MimeBundle,
  type RecordedOutput,
  type RecordingDisplay,
  type RichValue,
  NotebookError,
  detectKernel,
  display,
  html,
  kernelDisplay,
  markdown,
  recordingDisplay,
  resolveDisplay,
  richValue,
  tryTslabDisplay,
} from "./display";
export { projectRoot } from "./project";
export { type FormatOptions, type TableOptions, formatArray, formatTableHtml, pythonTuple } from "./format";
export { type ShowOptions, arrayBundle, show } from "./show";
export {
  type AnySpec,
  type ChartDisplayOptions,
  type ChartSpec,
  type RenderOptions,
  type RenderedChart,
  type TopLevelSpec,
  VEGA_LITE_MIME,
  VEGA_LITE_SCHEMA,
  type ChartValue,
  chart,
  chartBundle,
  displayChart,
  rasterize,
  renderChart,
  saveChart,
} from "./charts";
export {
  type ConvPanels,
  type ImshowOptions,
  type Plane,
  type PlaneOptions,
  type PlotConvOptions,
  imshow,
  imshowSpec,
  plotConv,
  plotConvSpec,
  selectPlane,
  shapeText,
} from "./imshow";
export {
  type BenchParams,
  type BenchProgress,
  type BenchRow,
  type BenchTiming,
  type BenchmarkOptions,
  type ParamGrid,
  type ParamValue,
  benchmark,
  expandGrid,
  formatSeconds,
  summarizeTimes,
} from "./benchmark";
export {
  type BenchHeatmapData,
  type BenchHeatmapOptions,
  type FastestCell,
  type HeatCell,
  type HeatmapRow,
  type MethodColor,
  type RatioCell,
  type TimingRow,
  benchHeatmapData,
  benchHeatmaps,
  benchHeatmapsSpec,
  methodColors,
  readTimingRows,
} from "./heatmaps";
export {
  type ClaimInput,
  type ClaimRow,
  type SavedClaims,
  type ShownClaim,
  type Verdict,
  type VerdictRule,
  CLAIM_TABLE_HEADERS,
  claim,
  claimTableMarkdown,
  decide,
  parseClaimTables,
  recheckClaims,
  ruleText,
  saveClaims,
  times,
} from "./claims";
export {
  type AllowedPhrase,
  type NotebookCells,
  type NotebookFinding,
  type ProseFinding,
  PROSE_ALLOWLIST,
  PROSE_RULES,
  lintMarkdown,
  lintNotebook,
} from "./prose";
export { type PythonJobOptions, type PythonJobResult, runPythonJob } from "./pyjob";
export { type TimeitOptions, TimeitResult, timeit } from "./timeit";
export { type WarmupOptions, type WarmupState, MAX_SETTLE_CALLS, settled, warmupDone } from "./warmup";
