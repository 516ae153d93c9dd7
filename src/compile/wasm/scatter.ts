/**
 * Adding a finished C block (contiguous, in wasm memory) into the task's C, which
 * may be any strided view: `c[cBase + cRow[i0+i] + cCol[j0+j]] += block[i·ld + j]`.
 * Both are float64, or both float32 (the float32 kernel: the add rounds to float32).
 *
 * `first`: C holds +0 there and this is the first write of each of the block's elements
 * (a fresh result, the first K span): the loop stores `block + 0` instead of loading C and
 * adding. `x + 0` is bitwise `+0 + x` for every x (both turn -0 into +0), so the result is
 * the same as the accumulating loop's, without C's load.
 */

/** One scatter loop; `src[at + i·ld + j]` is block element (i, j), only the valid mc×nc corner is read. */
export type Scatter = (
  c: Float64Array | Float32Array, cBase: number, cRow: Int32Array, cCol: Int32Array,
  i0: number, mc: number, j0: number, nc: number, src: Float64Array | Float32Array, at: number, ld: number, first: boolean,
) => void;

/**
 * The scatter loop for a task's C layout. The inner loop runs along whichever of
 * rows/columns has the smaller step in C: with a large column stride (e.g. the `o`
 * axis of a `bohw` result, 4096 doubles apart) a row-major scatter would touch nc
 * cache lines that all map to the same cache set on every row.
 */
export function chooseScatter(cRow: Int32Array, cCol: Int32Array): Scatter {
  const rowStep = cRow.length > 1 ? Math.abs(cRow[1] - cRow[0]) : Infinity;
  const colStep = cCol.length > 1 ? Math.abs(cCol[1] - cCol[0]) : Infinity;
  return colStep <= rowStep ? scatterRows : scatterColumns;
}

/** j innermost; rows of C contiguous over the block (cCol a unit run) skip the column table. */
function scatterRows(
  c: Float64Array | Float32Array, cBase: number, cRow: Int32Array, cCol: Int32Array,
  i0: number, mc: number, j0: number, nc: number, src: Float64Array | Float32Array, at: number, ld: number, first: boolean,
): void {
  if (isUnitRun(cCol, j0, nc)) {
    const col0 = cBase + cCol[j0];
    for (let i = 0; i < mc; i++) {
      const row = col0 + cRow[i0 + i];
      const from = at + i * ld;
      if (first) for (let j = 0; j < nc; j++) c[row + j] = src[from + j] + 0;
      else for (let j = 0; j < nc; j++) c[row + j] += src[from + j];
    }
    return;
  }
  for (let i = 0; i < mc; i++) {
    const row = cBase + cRow[i0 + i];
    const from = at + i * ld;
    for (let j = 0; j < nc; j++) c[row + cCol[j0 + j]] += src[from + j];
  }
}

/** i innermost; columns of C contiguous over the block (cRow a unit run) skip the row table. */
function scatterColumns(
  c: Float64Array | Float32Array, cBase: number, cRow: Int32Array, cCol: Int32Array,
  i0: number, mc: number, j0: number, nc: number, src: Float64Array | Float32Array, at: number, ld: number, first: boolean,
): void {
  if (isUnitRun(cRow, i0, mc)) {
    const row0 = cBase + cRow[i0];
    for (let j = 0; j < nc; j++) {
      const col = row0 + cCol[j0 + j];
      let from = at + j;
      if (first) {
        for (let i = 0; i < mc; i++, from += ld) c[col + i] = src[from] + 0;
      } else {
        for (let i = 0; i < mc; i++, from += ld) c[col + i] += src[from];
      }
    }
    return;
  }
  for (let j = 0; j < nc; j++) {
    const col = cBase + cCol[j0 + j];
    for (let i = 0; i < mc; i++) c[col + cRow[i0 + i]] += src[at + i * ld + j];
  }
}

/** Whether table[from + i] = table[from] + i for i < count (checked once per block, O(count)). */
function isUnitRun(table: Int32Array, from: number, count: number): boolean {
  const first = table[from];
  for (let i = 1; i < count; i++) if (table[from + i] !== first + i) return false;
  return true;
}
