/**
 * BigCommerce v2 order amounts are decimal strings with four places (`"225.0000"`); the simulator
 * computes them in bigint ten-thousandths so no float ever touches a total.
 */
const SCALE = 10_000n

export const parseMoney4 = (text: string | number): bigint => {
  const s = typeof text === "number" ? String(text) : text.trim()
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(s)
  if (m === null) throw new Error(`not a decimal amount: ${s}`)
  const frac = (m[3] ?? "").padEnd(4, "0")
  // Half-up beyond four places, as a shop system rounds a stored price.
  const kept = BigInt(frac.slice(0, 4))
  const roundUp = frac.length > 4 && Number(frac[4]) >= 5 ? 1n : 0n
  const value = BigInt(m[2]!) * SCALE + kept + roundUp
  return m[1] === "-" ? -value : value
}

export const formatMoney4 = (value: bigint): string => {
  const sign = value < 0n ? "-" : ""
  const abs = value < 0n ? -value : value
  return `${sign}${abs / SCALE}.${String(abs % SCALE).padStart(4, "0")}`
}

/** The catalog API speaks JSON numbers; a four-place decimal survives the trip through `Number` exactly as text. */
export const money4ToJsonNumber = (value: bigint): number => Number(formatMoney4(value))
