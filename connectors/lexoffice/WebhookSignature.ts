import { Effect, Either, Schema } from "effect"
import { createPublicKey, type KeyObject, verify } from "node:crypto"
import { WebhookSignatureInvalid } from "./errors.js"
import { WebhookEvent } from "./schemas.js"
import { parseJson } from "./Wire.js"

/**
 * lexoffice signs each callback: `X-Lxo-Signature` is the base64 RSA-SHA512 signature of the
 * JSON body (DOC #Event Subscriptions). We verify the raw bytes as received, never a re-serialised
 * body. lexoffice's own key is published as "this public key" in the docs; the URL used by public
 * code, https://developers.lexware.io/webhookSignature/public/public_key.pub, is UNCONFIRMED, so
 * the key is configuration, not a constant.
 */
export const SIGNATURE_HEADER = "x-lxo-signature"

export const loadPublicKey = (pem: string): Either.Either<KeyObject, WebhookSignatureInvalid> =>
  Either.try({
    try: () => createPublicKey(pem),
    catch: (e) => new WebhookSignatureInvalid({ reason: `unusable public key: ${String(e)}` }),
  })

const decodeEvent = Schema.decodeUnknownEither(WebhookEvent)

export const verifyWebhook = (
  publicKey: KeyObject,
  rawBody: Uint8Array,
  signatureBase64: string | undefined,
): Effect.Effect<WebhookEvent, WebhookSignatureInvalid> =>
  Effect.gen(function* () {
    if (signatureBase64 === undefined || signatureBase64.length === 0) {
      return yield* new WebhookSignatureInvalid({ reason: "missing X-Lxo-Signature header" })
    }
    const signature = Buffer.from(signatureBase64, "base64")
    const valid = Either.getOrElse(
      Either.try(() => verify("sha512", rawBody, publicKey, signature)),
      () => false,
    )
    if (!valid) return yield* new WebhookSignatureInvalid({ reason: "signature does not match the body" })
    const json = parseJson(new TextDecoder().decode(rawBody))
    if (Either.isLeft(json)) return yield* new WebhookSignatureInvalid({ reason: "signed body is not JSON" })
    return yield* decodeEvent(json.right).pipe(
      Effect.mapError(() => new WebhookSignatureInvalid({ reason: "signed body is not a lexoffice event" })),
    )
  })
