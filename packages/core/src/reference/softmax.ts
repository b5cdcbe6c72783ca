/**
 * Softmax with the row maximum subtracted. A fully-masked row (every score −∞) becomes all zeros, by the
 * contract's rule; the test is on −∞ itself, so a row of NaN stays NaN instead of passing for masked.
 */
export function softmaxInPlace(row: Float64Array): void {
  let max = Number.NEGATIVE_INFINITY;
  let fullyMasked = true;
  for (let j = 0; j < row.length; j++) {
    if (row[j] !== Number.NEGATIVE_INFINITY) fullyMasked = false;
    if (row[j] > max) max = row[j];
  }
  if (fullyMasked) {
    row.fill(0);
    return;
  }
  let sum = 0;
  for (let j = 0; j < row.length; j++) {
    row[j] = Math.exp(row[j] - max);
    sum += row[j];
  }
  for (let j = 0; j < row.length; j++) row[j] /= sum;
}
