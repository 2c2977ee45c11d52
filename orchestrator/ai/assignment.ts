// Maximum-weight assignment (the Hungarian method, O(n²m)): pairs rows with columns so that as many as possible
// are paired (min(rows, columns)) and the total weight is the largest. The evaluation pairs reference nodes with
// candidate nodes of the same type this way. Deterministic: ties go to the earlier row and column.

/** weights[r][c] in [0, 1]; returns, per row, its column or -1 (more rows than columns). */
export function maxWeightAssignment(weights: readonly (readonly number[])[]): number[] {
  const rows = weights.length;
  const columns = rows === 0 ? 0 : (weights[0]?.length ?? 0);
  if (rows === 0 || columns === 0) return Array.from({ length: rows }, () => -1);
  if (rows > columns) {
    // The method needs rows <= columns: solve the transpose and read it back.
    const transposed = Array.from({ length: columns }, (_, c) => weights.map((row) => row[c] ?? 0));
    const byColumn = maxWeightAssignment(transposed);
    const byRow = Array.from({ length: rows }, () => -1);
    byColumn.forEach((r, c) => {
      if (r >= 0) byRow[r] = c;
    });
    return byRow;
  }
  // Minimise cost = 1 - weight. Arrays are 1-based as in the textbook form; index 0 is the virtual start column.
  const cost = (r: number, c: number) => 1 - (weights[r - 1]?.[c - 1] ?? 0);
  const u = new Array<number>(rows + 1).fill(0);
  const v = new Array<number>(columns + 1).fill(0);
  const rowOf = new Array<number>(columns + 1).fill(0);
  const way = new Array<number>(columns + 1).fill(0);
  for (let r = 1; r <= rows; r++) {
    rowOf[0] = r;
    let column = 0;
    const minv = new Array<number>(columns + 1).fill(Infinity);
    const used = new Array<boolean>(columns + 1).fill(false);
    do {
      used[column] = true;
      const r0 = rowOf[column] as number;
      let delta = Infinity;
      let next = 0;
      for (let c = 1; c <= columns; c++) {
        if (used[c]) continue;
        const reduced = cost(r0, c) - (u[r0] as number) - (v[c] as number);
        if (reduced < (minv[c] as number)) {
          minv[c] = reduced;
          way[c] = column;
        }
        if ((minv[c] as number) < delta) {
          delta = minv[c] as number;
          next = c;
        }
      }
      for (let c = 0; c <= columns; c++) {
        if (used[c]) {
          u[rowOf[c] as number] = (u[rowOf[c] as number] as number) + delta;
          v[c] = (v[c] as number) - delta;
        } else minv[c] = (minv[c] as number) - delta;
      }
      column = next;
    } while (rowOf[column] !== 0);
    do {
      const previous = way[column] as number;
      rowOf[column] = rowOf[previous] as number;
      column = previous;
    } while (column !== 0);
  }
  const result = Array.from({ length: rows }, () => -1);
  for (let c = 1; c <= columns; c++) if ((rowOf[c] as number) > 0) result[(rowOf[c] as number) - 1] = c - 1;
  return result;
}
