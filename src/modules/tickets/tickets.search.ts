import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { prefixWord, relevanceSearch } from '../../platform/db/search.ts';
import { whereOf, type ListParams } from '../../platform/http/query.ts';
import { rankedTicketRows, searchWords, ticketList, type TicketRow } from './tickets.repository.ts';
import { tickets } from './tickets.tables.ts';

/**
 * A ticket search in one statement, whatever the word (platform/db/search.ts runs it).
 * Ranking every match (ts_rank over 200k hits for "network") costs seconds, so
 * relevance is three tiers, each newest first: the exact title, then title matches,
 * then description matches. Typos are corrected against ticket_search_words, the
 * small table of every title word.
 */

interface FullTextQuery {
  /** Every word prefix-matched, in title or description. */
  text: SQL;
  /** Every word prefix-matched in the title. */
  title: SQL;
  /** The longest word that is no stop word, prefix-matched: what the GIN index is asked for. */
  anchor: SQL;
  /** The title as a whole, lower-cased. */
  exact: SQL;
}

/**
 * The full-text queries of a list of words (a CTE of word and ord). The GIN index
 * expands a prefix into every word it starts, so a query of several words costs the
 * broadest of them (`zeppelin r:*` reads most of the table); the index is asked for one
 * word only, the anchor (the longest that is no stop word), and the rows it finds are
 * checked against the whole query.
 */
const queriesOf = (words: SQL) => sql`
  to_tsquery('english', string_agg(${prefixWord(sql`word`)}, ' & ' order by ord)) as text_query,
  to_tsquery('english', string_agg(${prefixWord(sql`word`, 'A')}, ' & ' order by ord)) as title_query,
  (select anchor from ${words} as longest, to_tsquery('english', ${prefixWord(sql`longest.word`)}) as anchor
    where numnode(anchor) > 0 order by length(longest.word) desc, longest.ord limit 1) as anchor_query`;

/** A row condition of full-text matches, given how to test one: `@@`, or the function behind it. */
type Condition = (match: (query: SQL) => SQL) => SQL;

const scanned = (query: SQL) => sql`${tickets.search} @@ ${query}`;
/** The same test as a function call: PostgreSQL cannot turn it into a GIN scan. */
const checked = (query: SQL) => sql`ts_match_vq(${tickets.search}, ${query})`;
/** Rows matching `condition`, found through the GIN index by the anchor alone. */
const byAnchor = (query: FullTextQuery, condition: Condition) =>
  sql`${tickets.search} @@ ${query.anchor} and ${condition(checked)}`;

const search = relevanceSearch<FullTextQuery>({
  source: { table: tickets, id: tickets.id, createdAt: tickets.createdAt },
  words: searchWords,
  vocabulary: 'ticket_search_words',
  columns: queriesOf,
  read: (cte) => ({
    text: sql`(select text_query from ${cte})`,
    title: sql`(select title_query from ${cte})`,
    anchor: sql`(select anchor_query from ${cte})`,
    exact: sql`(select term from ${cte})`,
  }),
  tiers: (builder, name, before, query) => {
    const notExact = sql`lower(${tickets.title}) <> ${query.exact}`;
    const textTier = (tier: string, rank: number, tierBefore: SQL, condition: Condition) =>
      builder.windowed(tier, rank, tierBefore, condition(scanned), byAnchor(query, condition));
    const exact = builder.newest(`${name}_exact`, 3, before, sql`lower(${tickets.title}) = ${query.exact}`);
    const beforeTitled = builder.scalar(`${name}_before_title`, sql`${before} + ${builder.countOf(exact)}`);
    const titled = textTier(
      `${name}_title`,
      2,
      beforeTitled,
      (match) => sql`${match(query.title)} and ${notExact}`,
    );
    const beforeDescribed = builder.scalar(
      `${name}_before_description`,
      sql`${beforeTitled} + ${builder.countOf(titled)}`,
    );
    const described = textTier(
      `${name}_description`,
      1,
      beforeDescribed,
      (match) => sql`${match(query.text)} and not ${match(query.title)} and ${notExact}`,
    );
    return builder.scalar(
      `${name}_found`,
      sql`${beforeDescribed} - ${before} + ${builder.countOf(described)}`,
    );
  },
  // The full text, or the exact title (a title of stop words has no full text).
  matches: (query) =>
    sql`((${byAnchor(query, (match) => match(query.text))}) or lower(${tickets.title}) = ${query.exact})`,
});

/** The filters and scope of a search, without the search itself. */
const allowedBy = (params: ListParams, scope: SQL | undefined) =>
  whereOf(ticketList, { ...params, search: undefined }, scope) ?? sql`true`;

/** One relevance-ordered page of a search, the tickets and all, in one statement. */
export function relevanceRows(
  executor: Executor,
  params: ListParams,
  scope: SQL | undefined,
  limit: number,
  offset: number,
): Promise<TicketRow[]> {
  return rankedTicketRows(
    executor,
    search.ranking(params.search ?? '', allowedBy(params, scope), limit, offset),
  );
}

/**
 * The exact number of tickets a relevance search pages through (DRF's `count`), in one
 * statement: the matches of the words as typed, else those of the corrected words, as
 * the pages choose.
 */
export async function relevanceCount(
  executor: Executor,
  params: ListParams,
  scope: SQL | undefined,
): Promise<number> {
  const { rows } = await executor.execute<{ count: number }>(
    search.count(params.search ?? '', allowedBy(params, scope)),
  );
  return rows[0]?.count ?? 0;
}

/**
 * The search to run in another order than relevance (an explicit sort, an export): the
 * words as typed when they match anything the caller can see, else the corrected words
 * when those do ("netwrok" -> "network"). One statement decides, as relevance pages do.
 */
export async function searchPlanFor(
  executor: Executor,
  params: ListParams,
  scope: SQL | undefined,
): Promise<ListParams> {
  if (!params.search) return params;
  const { rows } = await executor.execute<{ typed: number; corrected: number; term: string | null }>(
    search.plan(params.search, allowedBy(params, scope)),
  );
  const [row] = rows;
  if (!row?.term || row.typed > 0 || row.corrected === 0) return params;
  return { ...params, search: row.term };
}
