/**
 * The merchant's stock file: a header `sku,on_hand`, then one SKU per line. Parsing is pure and
 * reports every bad line with its number, so a merchant fixes the whole file in one go.
 */
import type { CsvProblem } from "./errors.js"

export interface StockCsvRow {
  readonly line: number
  readonly sku: string
  readonly onHand: number
}

export const MAX_ON_HAND = 2_147_483_647
/** A file of more lines is split by the merchant: one import is one transaction, bounded in time and memory. */
export const MAX_CSV_LINES = 100_000
/** Every bad line is reported, up to this many; a file with more is wrong throughout. */
export const MAX_CSV_PROBLEMS = 1_000

// Control characters (NUL included) are never part of a SKU, and Postgres text cannot hold NUL.
export const CONTROL = /[\u0000-\u001f\u007f]/

/** One field of a line, honouring double quotes ("" inside quotes is a quote). */
const splitLine = (text: string): Array<string> | undefined => {
  const fields: Array<string> = []
  let i = 0
  for (;;) {
    if (text[i] === "\"") {
      let value = ""
      i++
      for (;;) {
        if (i >= text.length) return undefined
        if (text[i] === "\"") {
          if (text[i + 1] === "\"") {
            value += "\""
            i += 2
            continue
          }
          i++
          break
        }
        value += text[i++]
      }
      fields.push(value)
      if (i === text.length) return fields
      if (text[i] !== ",") return undefined
      i++
    } else {
      const comma = text.indexOf(",", i)
      if (comma < 0) {
        fields.push(text.slice(i))
        return fields
      }
      fields.push(text.slice(i, comma))
      i = comma + 1
    }
  }
}

export const parseStockCsv = (text: string): { readonly rows: ReadonlyArray<StockCsvRow>; readonly problems: ReadonlyArray<CsvProblem> } => {
  const problems: Array<CsvProblem> = []
  const rows: Array<StockCsvRow> = []
  let count = 1
  for (let i = text.indexOf("\n"); i !== -1 && count <= MAX_CSV_LINES + 1; i = text.indexOf("\n", i + 1)) count++
  if (count > MAX_CSV_LINES + 1) {
    return { rows, problems: [{ line: MAX_CSV_LINES + 2, message: `a stock file has at most ${MAX_CSV_LINES} lines after its header; split it into several imports` }] }
  }
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/)
  const header = splitLine(lines[0] ?? "")?.map((h) => h.trim().toLowerCase())
  if (header === undefined || header.length !== 2 || header[0] !== "sku" || header[1] !== "on_hand") {
    return { rows, problems: [{ line: 1, message: `the header must be "sku,on_hand"` }] }
  }
  const seen = new Map<string, number>()
  for (let n = 1; n < lines.length; n++) {
    if (problems.length >= MAX_CSV_PROBLEMS) {
      problems.push({ line: n + 1, message: `more than ${MAX_CSV_PROBLEMS} bad lines; the rest of the file was not checked` })
      break
    }
    const raw = lines[n]!
    const line = n + 1
    if (raw.trim() === "") continue
    const fields = splitLine(raw)
    if (fields === undefined) {
      problems.push({ line, message: "unbalanced quotes" })
      continue
    }
    if (fields.length !== 2) {
      problems.push({ line, message: `expected 2 fields (sku,on_hand), found ${fields.length}` })
      continue
    }
    const sku = fields[0]!.trim()
    const qty = fields[1]!.trim()
    if (sku === "" || sku.length > 255) {
      problems.push({ line, message: sku === "" ? "the SKU is empty" : "the SKU is longer than 255 characters" })
      continue
    }
    const control = CONTROL.exec(sku)
    if (control !== null) {
      problems.push({ line, message: `the SKU contains the control character U+${control[0].charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()} at character ${control.index + 1} of the SKU` })
      continue
    }
    if (!/^\d+$/.test(qty) || Number(qty) > MAX_ON_HAND) {
      problems.push({ line, message: `on_hand "${qty.length > 40 ? `${qty.slice(0, 40)}…` : qty}" is not a whole number from 0 to ${MAX_ON_HAND}` })
      continue
    }
    const first = seen.get(sku.toLowerCase())
    if (first !== undefined) {
      problems.push({ line, message: `SKU ${sku} already appears on line ${first}` })
      continue
    }
    seen.set(sku.toLowerCase(), line)
    rows.push({ line, sku, onHand: Number(qty) })
  }
  return { rows, problems }
}
