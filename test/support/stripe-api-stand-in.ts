import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Stripe from 'stripe';

/**
 * A local stand-in for the part of Stripe's HTTP API the Wallets service calls (PaymentIntents and Refunds,
 * form-encoded as the SDK sends them, Idempotency-Key honoured as Stripe does), so the real `stripe` SDK runs
 * against it. Webhook deliveries are signed with the SDK's own test-signature helper.
 */
export class StripeApiStandIn {
  readonly secretKey = `sk_test_${randomBytes(12).toString('hex')}`;
  readonly webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  readonly intents = new Map<string, Stripe.PaymentIntent>();
  readonly refunds: { id: string; payment_intent: string; amount: number; idempotencyKey: string | undefined }[] = [];
  /** Requests the API answered, by path: what the service asked for. */
  readonly requests: { path: string; idempotencyKey: string | undefined }[] = [];
  readonly #answered = new Map<string, string>();
  readonly #sdk = new Stripe('sk_test_signing_only');

  private constructor(
    readonly url: string,
    readonly server: Server,
  ) {}

  static async start(): Promise<StripeApiStandIn> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const standIn = new StripeApiStandIn(`http://127.0.0.1:${port}`, server);
    server.on('request', (request, response) => void standIn.handle(request, response));
    return standIn;
  }

  /** What the Wallets service needs in its environment to use this stand-in. */
  env(): Record<string, string> {
    return { STRIPE_SECRET_KEY: this.secretKey, STRIPE_WEBHOOK_SECRET: this.webhookSecret, STRIPE_API_URL: this.url };
  }

  /** The customer paid: the intent succeeds, and the event Stripe would deliver for it. */
  succeed(paymentId: string): { id: string; type: 'payment_intent.succeeded'; payload: string } {
    const intent = this.intents.get(paymentId);
    if (intent === undefined) throw new Error(`no payment intent ${paymentId}`);
    const succeeded = { ...intent, status: 'succeeded', amount_received: intent.amount } as Stripe.PaymentIntent;
    this.intents.set(paymentId, succeeded);
    return this.event('payment_intent.succeeded', succeeded);
  }

  event<T extends string>(type: T, object: unknown): { id: string; type: T; payload: string } {
    const id = `evt_${randomBytes(12).toString('hex')}`;
    const payload = JSON.stringify({ id, object: 'event', api_version: '2025-01-01', created: Math.floor(Date.now() / 1000), type, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, data: { object } });
    return { id, type, payload };
  }

  /** The Stripe-Signature header for a payload, by the SDK's own helper (a wrong secret makes a forgery; an old timestamp a stale one). */
  sign(payload: string, options: { secret?: string; timestampS?: number } = {}): string {
    return this.#sdk.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? this.webhookSecret, ...(options.timestampS === undefined ? {} : { timestamp: options.timestampS }) });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const idempotencyKey = typeof request.headers['idempotency-key'] === 'string' ? request.headers['idempotency-key'] : undefined;
    const path = (request.url ?? '').split('?')[0] ?? '';
    this.requests.push({ path, idempotencyKey });
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      if (idempotencyKey !== undefined && status < 500) this.#answered.set(`${path}\n${idempotencyKey}`, text);
      response.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${randomBytes(6).toString('hex')}` }).end(text);
    };
    if (request.headers.authorization !== `Bearer ${this.secretKey}`) return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    const earlier = idempotencyKey === undefined ? undefined : this.#answered.get(`${path}\n${idempotencyKey}`);
    if (earlier !== undefined) {
      response.writeHead(200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' }).end(earlier);
      return;
    }
    if (request.method === 'POST' && path === '/v1/payment_intents') {
      const amount = Number(form.get('amount'));
      const id = `pi_${randomBytes(12).toString('hex')}`;
      const intent = {
        id,
        object: 'payment_intent',
        amount,
        amount_received: 0,
        currency: form.get('currency') ?? 'eur',
        status: 'requires_payment_method',
        client_secret: `${id}_secret_${randomBytes(12).toString('hex')}`,
        metadata: { accountId: form.get('metadata[accountId]') ?? '' },
        livemode: false,
      } as unknown as Stripe.PaymentIntent;
      this.intents.set(id, intent);
      return send(200, intent);
    }
    if (request.method === 'POST' && path === '/v1/refunds') {
      const paymentIntent = form.get('payment_intent') ?? '';
      const intent = this.intents.get(paymentIntent);
      if (intent === undefined) return send(404, { error: { type: 'invalid_request_error', message: `No such payment_intent: '${paymentIntent}'` } });
      const refunded = this.refunds.filter((refund) => refund.payment_intent === paymentIntent).reduce((total, refund) => total + refund.amount, 0);
      const amount = Number(form.get('amount') ?? intent.amount_received);
      if (refunded + amount > intent.amount_received) return send(400, { error: { type: 'invalid_request_error', message: 'Refund amount is greater than the unrefunded amount' } });
      const refund = { id: `re_${randomBytes(12).toString('hex')}`, object: 'refund', amount, payment_intent: paymentIntent, status: 'succeeded', currency: intent.currency };
      this.refunds.push({ id: refund.id, payment_intent: paymentIntent, amount, idempotencyKey });
      return send(200, refund);
    }
    return send(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${request.method} ${path})` } });
  }
}
