/**
 * Notebook helpers for the tslab Jupyter kernel: numpy-style array display,
 * heatmaps, convolution panels, benchmarks and their heatmap figure.
 *
 * Displaying helpers send output to the tslab cell being executed (or to
 * `options.target`); chart helpers return Promises, so `await` them in cells.
 * Every chart also has a pure `*Spec` function returning the vega-lite spec.
 */
export {
  type DisplayHandle,
  type DisplayOptions,
  type DisplayTarget,
  type MimeBundle,
  type RecordedOutput,
  type RecordingDisplay,
  NotebookError,
  recordingDisplay,
  resolveDisplay,
  tryTslabDisplay,
} from "./display";
export { type FormatOptions, type TableOptions, formatArray, formatTableHtml, pythonTuple } from "./format";
export { type ShowOptions, arrayBundle, show } from "./show";
export {
  type ChartDisplayOptions,
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
