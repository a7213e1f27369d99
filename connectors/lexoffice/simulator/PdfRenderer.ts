/**
 * A small, valid PDF 1.4 written by hand: one A4 page, Helvetica, one line per text entry. Enough
 * for a channel to accept it as the invoice attachment and for tests to check what it says.
 * Non-Latin-1 characters are replaced, since the standard fonts use WinAnsi encoding.
 */
const escapePdfText = (text: string) =>
  text.replace(/[^\x20-\x7e\xa0-\xff]/g, "?").replace(/\\/g, "\\\\").replace(/\(/g, "\\(").replace(/\)/g, "\\)")

export const renderPdf = (title: string, lines: ReadonlyArray<string>): Uint8Array => {
  const content = [
    "BT",
    "/F1 16 Tf",
    "56 790 Td",
    `(${escapePdfText(title)}) Tj`,
    "/F1 10 Tf",
    "0 -28 Td",
    ...lines.flatMap((line) => [`(${escapePdfText(line)}) Tj`, "0 -14 Td"]),
    "ET",
  ].join("\n")
  const contentBytes = Buffer.byteLength(content, "latin1")
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    `<< /Length ${contentBytes} >>\nstream\n${content}\nendstream`,
  ]
  let out = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
  const offsets: Array<number> = []
  objects.forEach((body, index) => {
    offsets.push(Buffer.byteLength(out, "latin1"))
    out += `${index + 1} 0 obj\n${body}\nendobj\n`
  })
  const xrefAt = Buffer.byteLength(out, "latin1")
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  for (const offset of offsets) out += `${String(offset).padStart(10, "0")} 00000 n \n`
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`
  return new Uint8Array(Buffer.from(out, "latin1"))
}
