import type { Database } from '../../platform/db/client.ts';
import { customerOf, type CustomerVault } from './customers.pii.ts';
import * as privacyRepository from './customers.privacy.repository.ts';
import * as repository from './customers.repository.ts';

export type DuplicateReason = 'email' | 'phone' | 'name';

/** Two customers that are likely the same: the older one (the suggested survivor) and the newer. */
export interface DuplicatePair {
  customerId: number;
  duplicateId: number;
  reasons: DuplicateReason[];
  /** Trigram similarity of their names (0 to 1) when that is a reason. */
  nameSimilarity: number | null;
}

export interface DuplicatesPage {
  pairs: DuplicatePair[];
  /** Where the next page starts (a customer id), or null when every customer was looked at. */
  nextCursor: number | null;
}

/** Names at least this similar (pg_trgm) are reported: "Jon Smith" / "John Smith" (0.75), not "John Smyth" / "Joan Smith". */
const NAME_SIMILARITY = 0.6;
const SEEDS_PER_BATCH = 200;
/** Customers one page looks at before answering: a page's cost stays bounded at any table size. */
const SEEDS_PER_PAGE = 2000;

/**
 * Likely duplicates, newest customers first: each customer is compared with the older
 * ones sharing its exact e-mail or phone (their blind-index bucket, decrypted and
 * compared: a bucket holds other values by design) or having a similar name of the
 * same kind (trigram index). A page looks at a bounded number of customers and says
 * where to go on, so a million customers are walked page by page, never in one query.
 */
export function createDuplicateFinder(db: Database, vault: CustomerVault) {
  async function exactPairs(seeds: number[], field: 'email' | 'phone'): Promise<[number, number][]> {
    const candidates = await privacyRepository.bucketCandidates(
      db,
      field === 'email' ? 'email_index' : 'phone_index',
      seeds,
    );
    if (candidates.length === 0) return [];
    const ids = [...new Set(candidates.flatMap((pair) => [pair.newer, pair.older]))];
    const values = new Map(
      (await repository.customersByIds(db, ids)).map((row) => [row.id, customerOf(vault, row)[field]]),
    );
    const same = field === 'email' ? vault.sameEmail : vault.samePhone;
    return candidates
      .filter((pair) => {
        const asked = values.get(pair.newer);
        return asked != null && same(values.get(pair.older) ?? null, asked);
      })
      .map((pair) => [pair.older, pair.newer]);
  }

  async function pairsOf(seeds: number[]): Promise<DuplicatePair[]> {
    const found = new Map<string, DuplicatePair>();
    const add = (older: number, newer: number, reason: DuplicateReason, similarity: number | null = null) => {
      const key = `${older}:${newer}`;
      const pair = found.get(key) ?? {
        customerId: older,
        duplicateId: newer,
        reasons: [],
        nameSimilarity: null,
      };
      pair.reasons.push(reason);
      if (similarity !== null) pair.nameSimilarity = Math.round(similarity * 1000) / 1000;
      found.set(key, pair);
    };
    for (const [older, newer] of await exactPairs(seeds, 'email')) add(older, newer, 'email');
    for (const [older, newer] of await exactPairs(seeds, 'phone')) add(older, newer, 'phone');
    const names = await db.transaction((tx) => privacyRepository.similarNames(tx, seeds, NAME_SIMILARITY));
    for (const { older, newer, similarity } of names) add(older, newer, 'name', similarity);
    return [...found.values()].sort((a, b) => b.duplicateId - a.duplicateId || b.customerId - a.customerId);
  }

  return {
    /** A page of likely duplicate pairs, starting below customer `cursor` (newest first when absent). */
    async page(options: { cursor?: number; limit: number }): Promise<DuplicatesPage> {
      const pairs: DuplicatePair[] = [];
      let before = options.cursor ?? 2_147_483_647;
      let looked = 0;
      while (pairs.length < options.limit && looked < SEEDS_PER_PAGE) {
        const seeds = await privacyRepository.duplicateSeeds(db, before, SEEDS_PER_BATCH);
        if (seeds.length === 0) return { pairs, nextCursor: null };
        pairs.push(...(await pairsOf(seeds)));
        looked += seeds.length;
        before = seeds[seeds.length - 1] ?? before;
        if (seeds.length < SEEDS_PER_BATCH) return { pairs, nextCursor: null };
      }
      return { pairs, nextCursor: before };
    },
  };
}

export type DuplicateFinder = ReturnType<typeof createDuplicateFinder>;
