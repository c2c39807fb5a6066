/**
 * The port through which money comes in from a payment provider and goes back to it. The service asks the
 * provider for a payment and refunds one; only the provider's signed word that a payment succeeded credits
 * a wallet (decision 0027). Amounts are integers in the currency's minor unit, as the ledger keeps them.
 */
export interface PaymentProvider {
  /** The prefix of this provider's payments on the ledger (`<name>:<payment id>`). */
  readonly name: string;
  /** Asks the provider for a payment into an account; nothing is credited until the provider confirms it. */
  createPayment(request: Readonly<PaymentRequest>): Promise<PendingPayment>;
  /**
   * Reads a webhook delivery: the provider's signature over the exact bytes received, checked with the
   * webhook secret and the tolerance for its age. Throws WebhookRefused for anything unsigned, forged or stale.
   */
  readWebhook(rawBody: Buffer, signatureHeader: string | undefined): WebhookNotice;
  /** Gives (part of) a confirmed payment back; the same idempotency key never refunds twice at the provider. */
  refund(request: Readonly<RefundRequest>): Promise<{ readonly refundId: string }>;
}

export interface PaymentRequest {
  readonly accountId: string;
  readonly amount: number;
  /** ISO 4217, upper case. */
  readonly currency: string;
  /** Sent to the provider, so a retried request asks for one payment. */
  readonly idempotencyKey: string;
}

export interface PendingPayment {
  readonly paymentId: string;
  /** What the driver's app completes the payment with (Stripe's client secret); never logged. */
  readonly clientSecret: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: string;
}

export type WebhookNotice =
  | { readonly kind: 'payment-succeeded'; readonly deliveryId: string; readonly payment: ConfirmedPayment }
  | { readonly kind: 'ignored'; readonly deliveryId: string; readonly type: string };

export interface ConfirmedPayment {
  readonly paymentId: string;
  /** The account the payment was asked for (the provider keeps it in the payment's metadata). */
  readonly accountId: string;
  /** What the provider received, in minor units. */
  readonly amount: number;
  readonly currency: string;
}

export interface RefundRequest {
  readonly paymentId: string;
  readonly amount: number;
  readonly idempotencyKey: string;
}

/** A webhook delivery that is not the provider's signed word; the reason is logged, never credited. */
export class WebhookRefused extends Error {
  override readonly name = 'WebhookRefused';
  constructor(
    readonly reason: 'unsigned' | 'bad-signature' | 'stale' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

/** The provider could not be reached or refused the request; nothing was credited or refunded by it. */
export class PaymentProviderFailed extends Error {
  override readonly name = 'PaymentProviderFailed';
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** The ledger reference of a provider's payment: unique on the ledger, so it is credited once. */
export const paymentReference = (provider: string, paymentId: string): string => `${provider}:${paymentId}`;
