import { AppError } from '../http/errors.ts';
import type {
  ChargeRequest,
  PaymentProvider,
  ProviderResult,
  RefundRequest,
  ReleaseRequest,
} from './providers.ts';

export interface CardProcessorSettings {
  /** The processor's API root, e.g. https://api.processor.example/v1. */
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
}

const unavailable = (cause: unknown) =>
  new AppError(
    'PAYMENTS_PROVIDER_UNAVAILABLE',
    'unavailable',
    'The card processor did not answer; retry with the same Idempotency-Key.',
    { cause, retryAfterSeconds: 5 },
  );

interface ProcessorAnswer {
  id?: unknown;
  status?: unknown;
  failure_reason?: unknown;
  error?: { message?: unknown };
}

/**
 * A generic card processor over HTTP (JSON, bearer key, `Idempotency-Key` forwarded so
 * that a retried call is answered with the first result):
 * `POST /charges` {amount, currency, reference, capture, source},
 * `POST /charges/:id/refunds` {amount}, `POST /charges/:id/release` {capture_amount}
 * (capture part of a hold, void the rest). Each answers {id, status, failure_reason?}
 * with status succeeded, pending (a webhook follows) or failed. A 4xx is a declined
 * call (failed, with the processor's message); a 5xx, a timeout or a network error
 * leaves the outcome unknown and is thrown, so the caller retries with the same key.
 */
export function createCardProvider(settings: CardProcessorSettings): PaymentProvider {
  const root = settings.baseUrl.replace(/\/+$/, '');

  async function call(path: string, idempotencyKey: string, body: object): Promise<ProviderResult> {
    let response: Response;
    let answer: ProcessorAnswer;
    try {
      response = await fetch(`${root}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${settings.apiKey}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      answer = (await response.json().catch(() => ({}))) as ProcessorAnswer;
    } catch (error) {
      throw unavailable(error);
    }
    if (response.status >= 500) throw unavailable(new Error(`card processor answered ${response.status}`));
    if (response.status >= 400)
      return {
        status: 'failed',
        providerRef: typeof answer.id === 'string' ? answer.id : null,
        failureReason:
          typeof answer.error?.message === 'string'
            ? answer.error.message
            : `declined (HTTP ${response.status})`,
      };
    const status = answer.status;
    if (
      typeof answer.id !== 'string' ||
      (status !== 'succeeded' && status !== 'pending' && status !== 'failed')
    )
      throw unavailable(new Error('card processor answered without an id and status'));
    return {
      status,
      providerRef: answer.id,
      failureReason: typeof answer.failure_reason === 'string' ? answer.failure_reason : undefined,
    };
  }

  const refOf = (providerRef: string | null) => {
    if (!providerRef) throw new Error('a card operation on a charge needs the charge id');
    return encodeURIComponent(providerRef);
  };

  return {
    name: 'card',
    charge: (request: ChargeRequest) =>
      call('/charges', request.idempotencyKey, {
        amount: request.amount,
        currency: request.currency,
        reference: request.reference,
        capture: !request.hold,
        source: request.source,
      }),
    refund: (request: RefundRequest) =>
      call(`/charges/${refOf(request.providerRef)}/refunds`, request.idempotencyKey, {
        amount: request.amount,
        currency: request.currency,
      }),
    releaseHold: (request: ReleaseRequest) =>
      call(`/charges/${refOf(request.providerRef)}/release`, request.idempotencyKey, {
        capture_amount: request.captureAmount,
        currency: request.currency,
      }),
  };
}
