import type { Database } from '../../platform/db/client.ts';
import type { CustomerVault } from './customers.pii.ts';
import * as repository from './customers.repository.ts';

export interface RotationProgress {
  /** Customers rewrapped by this run so far (including earlier, interrupted attempts of it). */
  done: number;
  /** Customers under other keys when the run started. */
  total: number;
}

export interface RotationOptions {
  batchSize?: number;
  /** A pause between batches, to leave the database to the API on a busy system. */
  pauseMs?: number;
  onProgress?: (progress: RotationProgress) => void;
}

export interface RotationResult extends RotationProgress {
  kekId: string;
  resumed: boolean;
}

/**
 * `opsdesk keys rotate-data`: rewraps every customer's data key under the current KEK
 * (the first of CUSTOMER_DATA_KEYS), so that older KEKs can leave the ring. Values are
 * not re-encrypted: they are under the customers' data keys, which do not change (a
 * rewrap is 36 bytes per customer, and leaves `version` and ETags alone).
 *
 * Batches of customers in id order, each in its own transaction that locks its rows,
 * rewraps them and moves the checkpoint (customer_key_rotations) with them: a run that
 * is killed loses at most the batch in flight, and the next run continues after the
 * checkpoint. Safe while the API writes: API writes never change a data key, and new
 * customers are created under the current KEK already. Rerunning after completion
 * finds nothing to do.
 */
export function createKeyRotation(db: Database, vault: CustomerVault) {
  const kekId = vault.currentKekId;
  return {
    async rotate(options: RotationOptions = {}): Promise<RotationResult> {
      const batchSize = options.batchSize ?? 500;
      const existing = await db.transaction((tx) => repository.openRotation(tx, kekId));
      const run =
        existing ??
        (await repository.startRotation(db, kekId, await repository.countWrappedByOther(db, kekId)));
      let { lastCustomerId, rewrapped } = run;
      const total = Math.max(
        run.total,
        rewrapped + (await repository.countWrappedByOther(db, kekId, lastCustomerId)),
      );
      options.onProgress?.({ done: rewrapped, total });
      for (;;) {
        const moved = await db.transaction(async (tx) => {
          const batch = await repository.nextToRewrap(tx, kekId, lastCustomerId, batchSize);
          for (const row of batch) {
            const rewrap = vault.rewrap(row.dataKey);
            if (rewrap) await repository.storeDataKey(tx, row.id, rewrap);
          }
          const last = batch.at(-1);
          const next = { lastCustomerId: last?.id ?? lastCustomerId, rewrapped: rewrapped + batch.length };
          await repository.advanceRotation(tx, run.id, { ...next, finished: batch.length < batchSize });
          return { count: batch.length, ...next };
        });
        ({ lastCustomerId, rewrapped } = moved);
        options.onProgress?.({ done: rewrapped, total: Math.max(total, rewrapped) });
        if (moved.count < batchSize) break;
        if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
      }
      return { kekId, done: rewrapped, total: Math.max(total, rewrapped), resumed: existing !== undefined };
    },

    /** How many customers each KEK wraps: a KEK may leave the ring once it wraps none. */
    status: () => repository.customersPerKek(db),
  };
}

export type KeyRotation = ReturnType<typeof createKeyRotation>;
