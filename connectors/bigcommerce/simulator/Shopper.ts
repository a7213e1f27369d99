/**
 * Shoppers on the simulated storefront: at a steady pace, an order of one to `maxLines` products
 * the shop shows in stock, each for at most what the shop shows, placed through the checkout
 * (which refuses anything beyond the level anyway). Seeded, so a fault run's orders replay.
 * Lives beside the store so that a simulator run as its own process (`vortex sim bigcommerce
 * --shopper`) can be driven from outside through the control API.
 */
import { type Order, type SimulatorStore, StoreInvalid } from "./SimulatorStore.js"

export interface ShopperSettings {
  /** Milliseconds between two orders. */
  readonly everyMs: number
  /** Stop after this many placed orders (undefined: until stopped). */
  readonly maxOrders?: number | undefined
  /** Distinct products per order, at most. */
  readonly maxLines?: number
  /** Units per line, at most (never more than the shop shows). */
  readonly maxQuantity?: number
}

export interface ShopperStatus {
  readonly running: boolean
  readonly placed: number
  /** Checkouts the store refused: 0 unless the shopper's view and the store disagree. */
  readonly refused: number
  /** Ticks with nothing in stock to buy. */
  readonly idle: number
  readonly settings: ShopperSettings | undefined
}

export class Shopper {
  private timer: NodeJS.Timeout | undefined
  private settings: ShopperSettings | undefined
  private placed = 0
  private refused = 0
  private idle = 0

  constructor(
    private readonly store: SimulatorStore,
    private readonly random: () => number,
    private readonly onOrder: (order: Order) => void = () => {},
  ) {}

  start(settings: ShopperSettings): ShopperStatus {
    this.stop()
    this.settings = settings
    const tick = () => {
      this.timer = undefined
      if (this.settings === undefined) return
      if (this.settings.maxOrders !== undefined && this.placed >= this.settings.maxOrders) return this.stop()
      this.placeOne()
      this.timer = setTimeout(tick, this.settings.everyMs)
    }
    this.timer = setTimeout(tick, 0)
    return this.status()
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  status(): ShopperStatus {
    return { running: this.timer !== undefined, placed: this.placed, refused: this.refused, idle: this.idle, settings: this.settings }
  }

  /** One order from what the shop shows now; undefined when nothing is in stock. */
  placeOne(): Order | undefined {
    const maxLines = Math.max(1, this.settings?.maxLines ?? 3)
    const maxQuantity = Math.max(1, this.settings?.maxQuantity ?? 2)
    // Only what a storefront lists: for sale, and in stock where stock is tracked.
    const shown = [...this.store.products.values()]
      .map((p) => ({ sku: p.sku, offer: p.sku === "" ? undefined : this.store.purchasable(p.sku) }))
      .filter((x): x is { sku: string; offer: { level: number; tracked: boolean } } => x.offer !== undefined && (!x.offer.tracked || x.offer.level > 0))
    if (shown.length === 0) {
      this.idle++
      return undefined
    }
    const lines = new Map<string, number>()
    const count = 1 + Math.floor(this.random() * Math.min(maxLines, shown.length))
    while (lines.size < count) {
      const pick = shown[Math.floor(this.random() * shown.length)]!
      if (lines.has(pick.sku)) continue
      const want = 1 + Math.floor(this.random() * maxQuantity)
      lines.set(pick.sku, pick.offer.tracked ? Math.min(want, pick.offer.level) : want)
    }
    try {
      const order = this.store.checkout({ lines: [...lines].map(([sku, quantity]) => ({ sku, quantity })), shipping_cost: "4.90" })
      this.placed++
      this.onOrder(order)
      return order
    } catch (e) {
      if (!(e instanceof StoreInvalid)) throw e
      this.refused++
      return undefined
    }
  }
}
