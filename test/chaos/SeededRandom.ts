/**
 * The fault run's dice. Every random choice of a run (kill times, victims, pauses, stock) comes
 * from one seed, printed first, so a failing run replays with `--seed`. mulberry32: small and the
 * same sequence on every platform.
 */
export class SeededRandom {
  private state: number

  constructor(readonly seed: number) {
    this.state = seed | 0
  }

  /** [0, 1) */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  pick<T>(items: ReadonlyArray<T>): T {
    if (items.length === 0) throw new Error("pick from an empty list")
    return items[Math.floor(this.next() * items.length)]!
  }

  /** A seed for another component's own dice (a simulator), so each stream stays independent. */
  derive(): number {
    return Math.floor(this.next() * 2 ** 31)
  }
}

/** A fresh seed when none is given. */
export const newSeed = (): number => Math.floor(Math.random() * 2 ** 31)
