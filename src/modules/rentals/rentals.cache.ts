import { bumpGeneration } from '../../platform/cache/generation-cache.ts';
import type { Executor } from '../../platform/db/client.ts';

/** The generation-cache collection of every rentals table: the dashboard and reports are filed under it. */
export const RENTALS_COLLECTION = 'rentals';

/**
 * Retires the cached dashboard and reports after a committed write to rentals tables
 * (catalog, orders, bookings). Called after the commit, never inside the transaction,
 * so writers do not queue on the generation row.
 */
export const rentalsChanged = (executor: Executor): Promise<void> =>
  bumpGeneration(executor, RENTALS_COLLECTION);
