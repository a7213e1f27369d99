/**
 * The official BigCommerce OpenAPI documents as one contract. CI has them at ../shared/specs
 * relative to the repository root, never copied into the repository.
 */
import { fileURLToPath } from "node:url"
import { resolve } from "node:path"
import { OpenApiContract } from "./OpenApiContract.js"

const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "..", "..")
export const bigCommerceSpecDir = resolve(repoRoot, "..", "shared", "specs", "bigcommerce")

export const bigCommerceSpecFiles = [
  "products_catalog.v3.yml",
  "product-variants_catalog.v3.yml",
  "inventory.v3.yml",
  "orders.v2.oas2.yml",
  "orders.v3.yml",
  "webhooks.v3.yml",
].map((f) => resolve(bigCommerceSpecDir, f))

let shared: OpenApiContract | undefined
/** Parsing ~27k lines of YAML is slow; test files share one instance. */
export const bigCommerceContract = (): OpenApiContract => (shared ??= new OpenApiContract(bigCommerceSpecFiles))
