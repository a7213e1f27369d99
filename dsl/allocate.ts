/**
 * Splits `total` integer units in proportion to `weights` by the largest-remainder method:
 * everyone gets the floor of their exact share, then the units left over go one each to the
 * largest remainders (earlier parts win ties). The parts always sum to exactly `total`.
 * Undefined when the weights are negative or sum to zero (there is no proportion to keep).
 */
export const allocateUnits = (total: bigint, weights: ReadonlyArray<bigint>): Array<bigint> | undefined => {
  if (weights.length === 0 || weights.some((w) => w < 0n)) return undefined
  const sum = weights.reduce((a, b) => a + b, 0n)
  if (sum === 0n) return undefined
  const negative = total < 0n
  const t = negative ? -total : total
  const parts = weights.map((w) => (t * w) / sum)
  const remainders = weights.map((w, i) => ({ i, r: (t * w) % sum }))
  let left = t - parts.reduce((a, b) => a + b, 0n)
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1))
  for (const { i } of remainders) {
    if (left === 0n) break
    parts[i]! += 1n
    left -= 1n
  }
  return negative ? parts.map((p) => -p) : parts
}
