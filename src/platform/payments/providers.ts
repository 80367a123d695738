/**
 * What a payment provider does for a domain, whatever moves the money: take a payment
 * (or hold it, for a deposit), refund part of one, and release a hold while capturing
 * part of it. Knows no domain: callers pass their own reference and idempotency key.
 */
export type ProviderName = 'manual' | 'card';

/** `pending` means the provider answers later, by a webhook; money moves only once `succeeded`. */
export interface ProviderResult {
  status: 'pending' | 'succeeded' | 'failed';
  /** The provider's id of the charge or refund (null for manual ones). */
  providerRef: string | null;
  failureReason?: string;
}

export interface ChargeRequest {
  amount: number;
  currency: string;
  /** The caller's reference (an order), shown on the provider's side. */
  reference: string;
  /** Sent to the provider, which must answer a retry with the first attempt's result. */
  idempotencyKey: string;
  /** Authorise only (a deposit): the money is held until released or captured. */
  hold: boolean;
  /** The card processor's token for the card (from its payment form); unused by manual payments. */
  source?: string;
}

export interface RefundRequest {
  providerRef: string | null;
  amount: number;
  currency: string;
  idempotencyKey: string;
}

export interface ReleaseRequest {
  providerRef: string | null;
  /** Captured from the hold before the rest goes back to the customer. */
  captureAmount: number;
  currency: string;
  idempotencyKey: string;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  charge(request: ChargeRequest): Promise<ProviderResult>;
  refund(request: RefundRequest): Promise<ProviderResult>;
  releaseHold(request: ReleaseRequest): Promise<ProviderResult>;
}

/**
 * Cash and bank transfers: staff record money that already changed hands, so every
 * call succeeds at once and there is nothing to call.
 */
export const manualProvider: PaymentProvider = {
  name: 'manual',
  charge: () => Promise.resolve({ status: 'succeeded', providerRef: null }),
  refund: () => Promise.resolve({ status: 'succeeded', providerRef: null }),
  releaseHold: () => Promise.resolve({ status: 'succeeded', providerRef: null }),
};
