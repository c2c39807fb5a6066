/** The pure pricing functions (a session's price under a tariff), for clients that check a receipt. */
export * from './src/pricing';
