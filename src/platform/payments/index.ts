/**
 * Payment providers behind one contract (providers.ts): manual payments recorded by
 * staff, and a generic card processor reached over HTTP whose webhooks are signed
 * (signature.ts). Knows no domain; rentals keeps the payments and the ledger.
 */
export {
  manualProvider,
  type ChargeRequest,
  type PaymentProvider,
  type ProviderName,
  type ProviderResult,
  type RefundRequest,
  type ReleaseRequest,
} from './providers.ts';
export { createCardProvider, type CardProcessorSettings } from './card.ts';
export { signCardPayload, verifyCardSignature, type SignatureProblem } from './signature.ts';
