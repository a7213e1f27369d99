/**
 * "Did you mean …?" for misspelt keys, flow names, connectors and enum values. Uses the
 * optimal-string-alignment distance (Levenshtein plus adjacent transposition, the commonest
 * typing slip: "catlaog").
 */
export const editDistance = (a: string, b: string): number => {
  // three rolling rows instead of a full matrix: this runs once per unknown key and candidate,
  // and a file may hold tens of thousands of unknown keys
  let before = new Uint32Array(b.length + 1)
  let previous = Uint32Array.from({ length: b.length + 1 }, (_, j) => j)
  let current = new Uint32Array(b.length + 1)
  for (let i = 1; i <= a.length; i++) {
    current[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2]! + 1)
      current[j] = best
    }
    ;[before, previous, current] = [previous, current, before]
  }
  return previous[b.length]!
}

/**
 * The closest candidate, if it is close enough to be a plausible typo: at most a third of the
 * word's length (and at least 1) edits away, ignoring case.
 */
export const closest = (word: string, candidates: Iterable<string>): string | undefined => {
  const limit = Math.max(1, Math.floor(word.length / 3))
  let best: { candidate: string; distance: number } | undefined
  for (const candidate of candidates) {
    // the distance is at least the difference in length: a 100 kB key needs no matrix to rule out
    if (Math.abs(candidate.length - word.length) > limit) continue
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase())
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance }
  }
  return best?.candidate
}

export const didYouMean = (word: string, candidates: Iterable<string>): string => {
  const match = closest(word, candidates)
  return match === undefined ? "" : `; did you mean "${match}"?`
}
