import { Config, Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"

export class SecretKeyInvalid extends Schema.TaggedError<SecretKeyInvalid>()("SecretKeyInvalid", {
  message: Schema.String,
}) {}

export class SecretUnreadable extends Schema.TaggedError<SecretUnreadable>()("SecretUnreadable", {
  message: Schema.String,
}) {}

// AES-256-GCM: layout = version byte | 12-byte nonce | 16-byte tag | ciphertext.
const VERSION = 1
const NONCE = 12
const TAG = 16

/**
 * Encrypts connection credentials at rest (ARCHITECTURE.md §10). The key never touches the database:
 * it comes from `VORTEX_SECRET_KEY` (base64, 32 bytes) or, for the embedded setup, from a key
 * file generated beside the data directory with owner-only permissions.
 */
export class SecretBox extends Context.Tag("engine/SecretBox")<SecretBox, {
  readonly seal: (plaintext: Redacted.Redacted<string>) => Buffer
  readonly open: (sealed: Uint8Array) => Effect.Effect<Redacted.Redacted<string>, SecretUnreadable>
}>() {}

const fromKey = (key: Buffer): Context.Tag.Service<SecretBox> => ({
  seal: (plaintext) => {
    const nonce = randomBytes(NONCE)
    const cipher = createCipheriv("aes-256-gcm", key, nonce)
    const body = Buffer.concat([cipher.update(Redacted.value(plaintext), "utf8"), cipher.final()])
    return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), body])
  },
  open: (sealed) => Effect.try({
    try: () => {
      const bytes = Buffer.from(sealed)
      if (bytes[0] !== VERSION) throw new Error(`unknown format version ${bytes[0]}`)
      const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(1, 1 + NONCE))
      decipher.setAuthTag(bytes.subarray(1 + NONCE, 1 + NONCE + TAG))
      const text = Buffer.concat([decipher.update(bytes.subarray(1 + NONCE + TAG)), decipher.final()]).toString("utf8")
      return Redacted.make(text)
    },
    // never the plaintext or key in the message
    catch: (e) => new SecretUnreadable({ message: `stored credentials cannot be decrypted with this key (${e instanceof Error ? e.message : "corrupt"})` }),
  }),
})

const decodeKey = (text: string, where: string) => {
  const key = Buffer.from(text.trim(), "base64")
  return key.length === 32
    ? Effect.succeed(key)
    : Effect.fail(new SecretKeyInvalid({ message: `${where} must be 32 bytes in base64 (got ${key.length} bytes)` }))
}

/** A key file, created with a fresh random key on first use. */
const keyFile = (path: string) => Effect.gen(function* () {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" })
  }
  chmodSync(path, 0o600)
  return yield* decodeKey(readFileSync(path, "utf8"), path)
})

export const SecretBoxFromKey = (key: Buffer) => Layer.succeed(SecretBox, fromKey(key))

/** `VORTEX_SECRET_KEY` if set, else `<VORTEX_DATA_DIR>/../secret.key` (generated on first start). */
export const SecretBoxFromEnv = Layer.effect(SecretBox, Effect.gen(function* () {
  const env = yield* Config.option(Config.redacted("VORTEX_SECRET_KEY"))
  const dataDir = yield* Config.string("VORTEX_DATA_DIR").pipe(Config.withDefault(".vortex/data"))
  const key = yield* Option.match(env, {
    onSome: (value) => decodeKey(Redacted.value(value), "VORTEX_SECRET_KEY"),
    onNone: () => keyFile(`${dirname(dataDir)}/secret.key`),
  })
  return fromKey(key)
}))
