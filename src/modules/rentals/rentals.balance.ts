import type { Executor } from '../../platform/db/client.ts';
import { summariesOf } from './rentals.ledger.repository.ts';

/**
 * What each of `orderIds` still owes, in minor units of its currency, from its ledger
 * (orders owing nothing are left out). The unpaid-balance reminder reads only this.
 */
export async function outstandingBalance(
  executor: Executor,
  orderIds: readonly number[],
): Promise<Map<number, number>> {
  const summaries = await summariesOf(executor, [...orderIds]);
  return new Map(
    [...summaries].filter(([, summary]) => summary.balance > 0).map(([id, summary]) => [id, summary.balance]),
  );
}
