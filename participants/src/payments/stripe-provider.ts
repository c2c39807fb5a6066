import Stripe from 'stripe';
import type { StripeSettings } from '@chargeledger/config';
import { type ConfirmedPayment, type PaymentProvider, PaymentProviderFailed, type PaymentRequest, type PendingPayment, type RefundRequest, type WebhookNotice, WebhookRefused } from './payment-provider';

/**
 * Stripe behind the payment port, through Stripe's own SDK: a PaymentIntent per top-up (with the SDK's
 * idempotency key), the SDK's webhook signature check (HMAC over the raw body, timestamp tolerance), refunds
 * of a PaymentIntent. The account a payment is for travels in the PaymentIntent's metadata.
 */
export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe';
  readonly #stripe: Stripe;
  readonly #webhookSecret: string;
  readonly #toleranceS: number;

  constructor(settings: Readonly<StripeSettings>) {
    const api = settings.apiUrl === undefined ? undefined : new URL(settings.apiUrl);
    this.#stripe = new Stripe(settings.secretKey, {
      maxNetworkRetries: 2,
      timeout: 20_000,
      telemetry: false,
      ...(api === undefined ? {} : { host: api.hostname, port: api.port, protocol: api.protocol === 'http:' ? 'http' : 'https' }),
    });
    this.#webhookSecret = settings.webhookSecret;
    this.#toleranceS = settings.webhookToleranceS;
  }

  async createPayment(request: Readonly<PaymentRequest>): Promise<PendingPayment> {
    try {
      const intent = await this.#stripe.paymentIntents.create(
        { amount: request.amount, currency: request.currency.toLowerCase(), metadata: { accountId: request.accountId }, automatic_payment_methods: { enabled: true } },
        { idempotencyKey: request.idempotencyKey },
      );
      if (intent.client_secret === null) throw new Error(`payment intent ${intent.id} came without a client secret`);
      return { paymentId: intent.id, clientSecret: intent.client_secret, amount: intent.amount, currency: intent.currency.toUpperCase(), status: intent.status };
    } catch (error) {
      throw new PaymentProviderFailed(`Stripe did not create the payment: ${(error as Error).message}`, error);
    }
  }

  readWebhook(rawBody: Buffer, signatureHeader: string | undefined): WebhookNotice {
    if (signatureHeader === undefined || signatureHeader === '') throw new WebhookRefused('unsigned', 'the delivery has no Stripe-Signature header');
    let event: Stripe.Event;
    try {
      event = this.#stripe.webhooks.constructEvent(rawBody, signatureHeader, this.#webhookSecret, this.#toleranceS);
    } catch (error) {
      const message = (error as Error).message;
      throw new WebhookRefused(/tolerance/i.test(message) ? 'stale' : 'bad-signature', message);
    }
    if (event.type !== 'payment_intent.succeeded') return { kind: 'ignored', deliveryId: event.id, type: event.type };
    return { kind: 'payment-succeeded', deliveryId: event.id, payment: confirmedPayment(event.data.object) };
  }

  async refund(request: Readonly<RefundRequest>): Promise<{ readonly refundId: string }> {
    try {
      const refund = await this.#stripe.refunds.create({ payment_intent: request.paymentId, amount: request.amount }, { idempotencyKey: request.idempotencyKey });
      return { refundId: refund.id };
    } catch (error) {
      throw new PaymentProviderFailed(`Stripe did not refund ${request.paymentId}: ${(error as Error).message}`, error);
    }
  }
}

function confirmedPayment(intent: Stripe.PaymentIntent): ConfirmedPayment {
  const accountId = intent.metadata?.accountId;
  if (typeof accountId !== 'string' || accountId === '') throw new WebhookRefused('malformed', `payment intent ${intent.id} names no account in its metadata`);
  if (!Number.isSafeInteger(intent.amount_received) || intent.amount_received <= 0) throw new WebhookRefused('malformed', `payment intent ${intent.id} received no amount`);
  return { paymentId: intent.id, accountId, amount: intent.amount_received, currency: intent.currency.toUpperCase() };
}
