import { and, asc, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../../platform/db/client.ts';
import { customerMerges, customerNameSql, customers, type CustomerRow } from './customers.tables.ts';

/** Queries of erasure, duplicates and merges (customers.repository.ts has the everyday ones). */

const { search: _search, ...rowColumns } = getTableColumns(customers);

/** The customer a merged id went into (following later merges), or undefined. */
export async function survivorOf(executor: Executor, duplicateId: number): Promise<number | undefined> {
  const [row] = await executor
    .select({ survivorId: customerMerges.survivorId })
    .from(customerMerges)
    .where(eq(customerMerges.duplicateId, duplicateId));
  return row?.survivorId;
}

/** The ids merged into this customer. */
export async function mergedInto(executor: Executor, survivorId: number): Promise<number[]> {
  const rows = await executor
    .select({ id: customerMerges.duplicateId })
    .from(customerMerges)
    .where(eq(customerMerges.survivorId, survivorId))
    .orderBy(customerMerges.duplicateId);
  return rows.map((row) => row.id);
}

/** Row-locks customers in id order (two merges of the same pair queue instead of deadlocking). */
export function lockCustomers(executor: Executor, ids: number[]): Promise<CustomerRow[]> {
  return executor
    .select(rowColumns)
    .from(customers)
    .where(inArray(customers.id, ids))
    .orderBy(asc(customers.id))
    .for('update');
}

/**
 * Destroys a customer's personal data in place: the wrapped data key (every ciphertext
 * of theirs becomes unreadable), the ciphertexts and blind indexes themselves, and the
 * names in clear, replaced by a placeholder. The id, links, tags and status stay.
 */
export async function eraseCustomer(
  executor: Executor,
  id: number,
  placeholder: { firstName: string; lastName: string; company: string },
  at: Date,
): Promise<CustomerRow> {
  const [row] = await executor
    .update(customers)
    .set({
      ...placeholder,
      dataKey: null,
      dataKeyKek: null,
      email: null,
      phone: null,
      addresses: null,
      dateOfBirth: null,
      notes: null,
      emailIndex: null,
      phoneIndex: null,
      marketingConsent: false,
      marketingConsentAt: at,
      marketingConsentSource: 'erasure',
      erasedAt: at,
      version: sql`${customers.version} + 1`,
      updatedAt: at,
    })
    .where(eq(customers.id, id))
    .returning(rowColumns);
  if (!row) throw new Error('erased customer vanished');
  return row;
}

/**
 * Removes from the typo-correction vocabulary the words of `text` that no customer's
 * name holds any more (an erased name must not outlive the erasure there).
 */
export async function pruneSearchWords(executor: Executor, text: string): Promise<void> {
  await executor.execute(sql`
    delete from customer_search_words w
     where w.word in (select lower(x) from regexp_split_to_table(${text}, '[^[:alnum:]]+') as x where length(x) >= 3)
       and not exists (select 1 from ${customers} c where c.search @@ plainto_tsquery('simple', w.word))`);
}

/** Moves an organisation's contacts to another organisation; answers their ids. */
export async function moveContacts(executor: Executor, fromId: number, toId: number): Promise<number[]> {
  const rows = await executor
    .update(customers)
    .set({ organisationId: toId, version: sql`${customers.version} + 1`, updatedAt: new Date() })
    .where(eq(customers.organisationId, fromId))
    .returning({ id: customers.id });
  return rows.map((row) => row.id);
}

/** Records that `duplicateId` went into `survivorId`; ids merged into the duplicate before now point at the survivor. */
export async function recordMerge(
  executor: Executor,
  duplicateId: number,
  survivorId: number,
): Promise<void> {
  await executor.update(customerMerges).set({ survivorId }).where(eq(customerMerges.survivorId, duplicateId));
  await executor.insert(customerMerges).values({ duplicateId, survivorId });
}

// Duplicates

/** Live customers below `beforeId`, newest first: the customers a duplicates page looks at. */
export async function duplicateSeeds(executor: Executor, beforeId: number, limit: number): Promise<number[]> {
  const rows = await executor
    .select({ id: customers.id })
    .from(customers)
    .where(and(sql`${customers.id} < ${beforeId}`, sql`${customers.erasedAt} is null`))
    .orderBy(sql`${customers.id} desc`)
    .limit(limit);
  return rows.map((row) => row.id);
}

/** Older customers sharing a blind-index bucket with a seed: candidates only (buckets collide by design). */
export async function bucketCandidates(
  executor: Executor,
  column: 'email_index' | 'phone_index',
  seeds: number[],
): Promise<{ newer: number; older: number }[]> {
  const { rows } = await executor.execute<{ newer: number; older: number }>(sql`
    select s.id as newer, c.id as older
      from ${customers} s
      join ${customers} c on c.${sql.identifier(column)} = s.${sql.identifier(column)} and c.id < s.id
     where s.id = any(${sql.param(seeds)}) and c.erased_at is null`);
  return rows;
}

/**
 * Older customers of the same kind whose name is similar to a seed's (trigram
 * similarity at least `threshold`, through the trigram index), at most 5 per seed.
 * Runs `set local`, so call it inside a transaction.
 */
export async function similarNames(
  executor: Executor,
  seeds: number[],
  threshold: number,
): Promise<{ newer: number; older: number; similarity: number }[]> {
  const s = alias(customers, 's');
  const c = alias(customers, 'c');
  const seedName = customerNameSql(s);
  const otherName = customerNameSql(c);
  await executor.execute(sql`select set_config('pg_trgm.similarity_threshold', ${String(threshold)}, true)`);
  const { rows } = await executor.execute<{ newer: number; older: number; similarity: number }>(sql`
    select s.id as newer, m.id as older, m.similarity
      from ${customers} s
      cross join lateral (
        select c.id, similarity(${otherName}, ${seedName}) as similarity
          from ${customers} c
         where ${otherName} % ${seedName} and c.kind = s.kind and c.id < s.id and c.erased_at is null
         order by similarity desc, c.id desc
         limit 5) m
     where s.id = any(${sql.param(seeds)}) and btrim(${seedName}) <> ''`);
  return rows;
}
