import { and, count, desc, not, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { whereOf, type ListParams, type ListSpec } from '../../platform/http/query.ts';
import {
  correctedTerm,
  countTickets,
  exactTitle,
  listTicketRows,
  prefixQuery,
  ticketList,
  ticketsByIds,
  ticketTypoList,
  type TicketRow,
} from './tickets.repository.ts';
import { tickets } from './tickets.tables.ts';

/**
 * How a ticket search stays fast on a million rows. Ranking every match (ts_rank over
 * 200k hits for "network") costs seconds, so relevance is three tiers, each newest
 * first: the exact title, then title matches (title weighted above description), then
 * description matches. Within a tier PostgreSQL reads the newest matches by walking
 * the created_at index when matches are dense (a common word), or through the
 * full-text GIN index when they are sparse (a rare word); it misjudges how rare a
 * prefix query is, so a cheap probe decides and a materialised CTE enforces the GIN
 * route.
 */
const DENSE_AT = 500;
const newestFirst = [desc(tickets.createdAt), desc(tickets.id)];

/**
 * How to run these params: full text as asked; else full text for the corrected words
 * ("netwrok" -> "network"); else the trigram title match. Returns the list definition
 * and the params to run it with.
 */
export async function searchPlanFor(
  executor: Executor,
  params: ListParams,
  scope: SQL | undefined,
): Promise<{ spec: ListSpec; params: ListParams }> {
  if (!params.search) return { spec: ticketList, params };
  const hasMatch = async (candidate: ListParams) =>
    (await matchesUpTo(executor, whereOf(ticketList, candidate, scope), 1)) > 0;
  if (await hasMatch(params)) return { spec: ticketList, params };
  const corrected = await correctedTerm(executor, params.search);
  if (corrected && (await hasMatch({ ...params, search: corrected }))) {
    return { spec: ticketList, params: { ...params, search: corrected } };
  }
  return { spec: ticketTypoList, params };
}

const probe = async (tx: Executor, where: SQL | undefined, cap: number) => {
  const matches = tx
    .select({ one: sql`1` })
    .from(tickets)
    .where(where)
    .limit(cap)
    .as('probe');
  const [row] = await tx.select({ value: count() }).from(matches);
  return row?.value ?? 0;
};

const isTimeout = (error: unknown) =>
  (error as { code?: string; cause?: { code?: string } }).code === '57014' ||
  (error as { cause?: { code?: string } }).cause?.code === '57014';

/**
 * How many rows match, up to `cap`. The planner misjudges how rare a prefix query is
 * (it guesses 0.5% of rows), so for a rare word it scans the table hoping to meet
 * matches early and reads all of it. Its plan is right for common words, where it
 * answers in about a millisecond; so it gets a short budget, and past that the
 * question goes to the full-text index alone (bitmap scans only), which answers a
 * rare word in a few milliseconds.
 */
async function matchesUpTo(executor: Executor, where: SQL | undefined, cap: number): Promise<number> {
  try {
    return await executor.transaction(async (tx) => {
      await tx.execute(sql`set local statement_timeout = '20ms'`);
      return probe(tx, where, cap);
    });
  } catch (error) {
    if (!isTimeout(error)) throw error;
  }
  return executor.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    await tx.execute(sql`set local enable_indexscan = off`);
    return probe(tx, where, cap);
  });
}

const isDense = async (executor: Executor, where: SQL | undefined) =>
  (await matchesUpTo(executor, where, DENSE_AT)) >= DENSE_AT;

/** Matches read through the GIN index only, newest first: for rare terms. */
async function sparseRows(
  executor: Executor,
  where: SQL | undefined,
  limit: number,
  offset: number,
): Promise<TicketRow[]> {
  // MATERIALIZED: an inlined CTE would let the planner go back to the created_at index.
  const { rows: ids } = await executor.execute<{ id: number }>(
    sql`with matches as materialized (select ${tickets.id} as id, ${tickets.createdAt} as created_at from ${tickets} where ${where}) select id from matches order by created_at desc, id desc limit ${limit} offset ${offset}`,
  );
  const rows = new Map(
    (
      await ticketsByIds(
        executor,
        ids.map((row) => row.id),
      )
    ).map((row) => [row.id, row]),
  );
  return ids.flatMap(({ id }) => rows.get(id) ?? []);
}

async function tierRows(
  executor: Executor,
  where: SQL | undefined,
  limit: number,
  offset: number,
): Promise<TicketRow[]> {
  return (await isDense(executor, where))
    ? listTicketRows(executor, where, newestFirst, limit, offset)
    : sparseRows(executor, where, limit, offset);
}

/** One relevance-ordered page of a full-text search, across the three tiers. */
export async function relevanceRows(
  executor: Executor,
  params: ListParams,
  scope: SQL | undefined,
  limit: number,
  offset: number,
): Promise<TicketRow[]> {
  const term = params.search ?? '';
  const filtered = whereOf(ticketList, { ...params, search: undefined }, scope);
  const inTitle = sql`${tickets.search} @@ ${prefixQuery(term, true)}`;
  const tiers = [
    and(filtered, exactTitle(term)),
    and(filtered, inTitle, not(exactTitle(term))),
    and(filtered, sql`${tickets.search} @@ ${prefixQuery(term)}`, not(inTitle)),
  ];
  const page: TicketRow[] = [];
  let skip = offset;
  for (const tier of tiers) {
    const wanted = limit - page.length;
    if (wanted === 0) break;
    const rows = await tierRows(executor, tier, wanted, skip);
    if (rows.length > 0) {
      page.push(...rows);
      skip = 0;
    } else if (skip > 0) {
      // The whole tier lies before this page: skip past it.
      skip = Math.max(0, skip - (await countTickets(executor, tier)));
    }
  }
  return page;
}
