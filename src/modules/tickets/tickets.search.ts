import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import { whereOf, type ListParams } from '../../platform/http/query.ts';
import { rankedTicketRows, searchWords, ticketList, type TicketRow } from './tickets.repository.ts';
import { tickets } from './tickets.tables.ts';

/**
 * A ticket search in one statement, whatever the word. Ranking every match (ts_rank over
 * 200k hits for "network") costs seconds, so relevance is three tiers, each newest
 * first: the exact title, then title matches, then description matches.
 *
 * The newest matches of a common word are a short walk down the created_at index; a
 * rare word's are found through the full-text GIN index, and a walk would read the
 * whole table. PostgreSQL cannot tell the two apart: it guesses 0.5% of rows for any
 * word its statistics do not list, and a generic prepared plan knows no word at all. So
 * a tier first reads only the newest `windowFor(wanted)` tickets; when they hold enough
 * matches those are the answer, and only when they do not does the tier fetch all its
 * matches through the GIN index (a MATERIALIZED CTE, so the planner cannot turn that
 * back into a walk). A later tier runs only while the page is not full: it is gated by
 * a condition on the earlier tiers' row counts, which PostgreSQL evaluates once before
 * starting it (a "one-time filter"), and skips the tier when false.
 *
 * Typo tolerance: when the words as typed match nothing the caller can see, each word is
 * replaced by the nearest word of a ticket title (trigram similarity against
 * ticket_search_words, the small table of every title word) and the tiers run again
 * for those words, in the same statement.
 *
 * The words enter the statement as values computed inside it (CTEs), never as constants
 * the planner could fold into its estimates: the plan has one shape for every word, so a
 * prepared statement keeps one generic plan (no planning per request) and no word can
 * turn it into a table scan.
 */

/** How many newest tickets a tier reads before it turns to the full-text index. */
const windowFor = (wanted: number) => Math.min(Math.max(wanted * 100, 2000), 10_000);

const newestFirst = sql`${tickets.createdAt} desc, ${tickets.id} desc`;

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

/** A statement's CTEs, in order of definition; each is MATERIALIZED and read by its name. */
function cteList() {
  const ctes: SQL[] = [];
  return {
    define(name: string, body: SQL): SQL {
      ctes.push(sql`${sql.raw(name)} as materialized (${body})`);
      return sql.raw(name);
    },
    sql: () => sql.join(ctes, sql`, `),
  };
}

type Ctes = ReturnType<typeof cteList>;

const countOf = (cte: SQL) => sql`(select count(*) from ${cte})`;

/** A word of a query: prefix-matched, but for a single letter, which as a prefix would match nearly every ticket. */
const queryWord = (word: SQL, weight = '') =>
  sql`${word} || case when length(${word}) > 1 then ${`:*${weight}`} else ${weight ? `:${weight}` : ''} end`;

/**
 * The full-text queries of a list of words (a CTE of word and ord). The GIN index
 * expands a prefix into every word it starts, so a query of several words costs the
 * broadest of them (`zeppelin r:*` reads most of the table); the index is asked for one
 * word only, the anchor (the longest that is no stop word), and the rows it finds are
 * checked against the whole query.
 */
const queriesOf = (words: SQL) => sql`
  to_tsquery('english', string_agg(${queryWord(sql`word`)}, ' & ' order by ord)) as text_query,
  to_tsquery('english', string_agg(${queryWord(sql`word`, 'A')}, ' & ' order by ord)) as title_query,
  (select anchor from ${words} as longest, to_tsquery('english', ${queryWord(sql`longest.word`)}) as anchor
    where numnode(anchor) > 0 order by length(longest.word) desc, longest.ord limit 1) as anchor_query`;

/** The words as typed, and as corrected against the words of ticket titles. */
function defineQueries(ctes: Ctes, term: string) {
  const asked = ctes.define(
    'asked_words',
    sql`select word, ord from unnest(${sql.param(searchWords(term))}::text[]) with ordinality as asked(word, ord)`,
  );
  const typed = ctes.define(
    'typed_query',
    sql`select ${queriesOf(asked)}, lower(${term}) as exact from ${asked}`,
  );
  // Per word the nearest title word (over pg_trgm's similarity threshold), else the word itself.
  const correctedWords = ctes.define(
    'corrected_words',
    sql`select coalesce(nearest, word) as word, ord, nearest <> word as changed
      from (select asked.word, asked.ord, (select vocabulary.word from ticket_search_words vocabulary
          where vocabulary.word % asked.word order by vocabulary.word <-> asked.word limit 1) as nearest
        from ${asked} as asked) as words`,
  );
  const corrected = ctes.define(
    'corrected_query',
    sql`select ${queriesOf(correctedWords)}, string_agg(word, ' ' order by ord) as exact,
      coalesce(bool_or(changed), false) as changed from ${correctedWords}`,
  );
  const of = (cte: SQL): FullTextQuery => ({
    text: sql`(select text_query from ${cte})`,
    title: sql`(select title_query from ${cte})`,
    anchor: sql`(select anchor_query from ${cte})`,
    exact: sql`(select exact from ${cte})`,
  });
  return { typed: of(typed), corrected: of(corrected), changed: sql`(select changed from ${corrected})` };
}

/** A row condition of full-text matches, given how to test one: `@@`, or the function behind it. */
type Condition = (match: (query: SQL) => SQL) => SQL;

const scanned = (query: SQL) => sql`${tickets.search} @@ ${query}`;
/** The same test as a function call: PostgreSQL cannot turn it into a GIN scan. */
const checked = (query: SQL) => sql`ts_match_vq(${tickets.search}, ${query})`;
/** Rows matching `condition`, found through the GIN index by the anchor alone. */
const byAnchor = (query: FullTextQuery, condition: Condition) =>
  sql`${tickets.search} @@ ${query.anchor} and ${condition(checked)}`;

/** What a search matches (the tiers together): the full text, or the exact title (a title of stop words has no full text). */
const matches = (query: FullTextQuery) =>
  sql`((${byAnchor(query, (match) => match(query.text))}) or lower(${tickets.title}) = ${query.exact})`;

/**
 * The first `wanted` matches of `term` among the tickets `allowed` lets through:
 * the CTEs that find them, the SQL that lists them best first (match_id, match_rank,
 * match_created_at), and how many the words as typed and as corrected found.
 */
function firstMatches(term: string, allowed: SQL, wanted: number) {
  const ctes = cteList();
  const queries = defineQueries(ctes, term);
  const limit = sql.raw(String(wanted));
  const window = sql.raw(String(windowFor(wanted)));
  const ranked: SQL[] = [];

  const exactTier = (name: string, before: SQL, query: FullTextQuery) => {
    const cte = ctes.define(
      name,
      sql`select ${tickets.id}, ${tickets.createdAt} from ${tickets}
        where ${before} < ${limit} and ${allowed} and lower(${tickets.title}) = ${query.exact}
        order by ${newestFirst} limit ${limit}`,
    );
    ranked.push(sql`select id, 3, created_at from ${cte}`);
    return cte;
  };

  const textTier = (name: string, rank: number, before: SQL, query: FullTextQuery, condition: Condition) => {
    const recent = ctes.define(
      `${name}_recent`,
      sql`select ${tickets.id}, ${tickets.createdAt}
        from (select * from ${tickets} order by ${newestFirst} limit ${window}) as ${tickets}
        where ${before} < ${limit} and ${allowed} and ${condition(scanned)}
        order by ${newestFirst} limit ${limit}`,
    );
    const enough = sql`${before} + ${countOf(recent)} >= ${limit}`;
    const all = ctes.define(
      `${name}_all`,
      sql`select ${tickets.id}, ${tickets.createdAt} from ${tickets}
        where not (${enough}) and ${allowed} and ${byAnchor(query, condition)}`,
    );
    const cte = ctes.define(
      name,
      sql`select id, created_at from ${recent} where ${enough}
        union all (select id, created_at from ${all} order by created_at desc, id desc limit ${limit})`,
    );
    ranked.push(sql`select id, ${sql.raw(String(rank))}, created_at from ${cte}`);
    return cte;
  };

  /** A number computed once, when first read. */
  const scalar = (name: string, value: SQL) =>
    sql`(select n from ${ctes.define(name, sql`select ${value} as n`)})`;

  /**
   * The three tiers of one query, run while the rows before them (`before`: 0, or
   * `wanted` to skip them) and their own fall short of the page; answers how many they found.
   */
  const tiers = (name: string, before: SQL, query: FullTextQuery) => {
    const notExact = sql`lower(${tickets.title}) <> ${query.exact}`;
    const exact = exactTier(`${name}_exact`, before, query);
    const beforeTitled = scalar(`${name}_before_title`, sql`${before} + ${countOf(exact)}`);
    const titled = textTier(
      `${name}_title`,
      2,
      beforeTitled,
      query,
      (match) => sql`${match(query.title)} and ${notExact}`,
    );
    const beforeDescribed = scalar(`${name}_before_description`, sql`${beforeTitled} + ${countOf(titled)}`);
    const described = textTier(
      `${name}_description`,
      1,
      beforeDescribed,
      query,
      (match) => sql`${match(query.text)} and not ${match(query.title)} and ${notExact}`,
    );
    return scalar(`${name}_found`, sql`${beforeDescribed} - ${before} + ${countOf(described)}`);
  };

  const typedFound = tiers('typed', sql`0`, queries.typed);
  const correctedFound = tiers(
    'corrected',
    scalar(
      'corrected_before',
      sql`case when ${typedFound} = 0 and ${queries.changed} then 0 else ${limit} end`,
    ),
    queries.corrected,
  );
  return {
    ctes: ctes.sql(),
    ranked: sql`select * from (${sql.join(ranked, sql` union all `)}) as matches(match_id, match_rank, match_created_at)
      order by match_rank desc, match_created_at desc, match_id desc`,
    typedFound,
    correctedFound,
    correctedTerm: queries.corrected.exact,
  };
}

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
  const { ctes, ranked } = firstMatches(params.search ?? '', allowedBy(params, scope), offset + limit);
  return rankedTicketRows(executor, sql`with ${ctes} ${ranked} limit ${limit} offset ${offset}`);
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
  const allowed = allowedBy(params, scope);
  const ctes = cteList();
  const queries = defineQueries(ctes, params.search ?? '');
  const typed = ctes.define(
    'typed_count',
    sql`select count(*) as n from ${tickets} where ${allowed} and ${matches(queries.typed)}`,
  );
  const corrected = ctes.define(
    'corrected_count',
    sql`select count(*) as n from ${tickets}
      where (select n from ${typed}) = 0 and ${queries.changed} and ${allowed} and ${matches(queries.corrected)}`,
  );
  const { rows } = await executor.execute<{ count: number }>(
    sql`with ${ctes.sql()} select (select n from ${typed}) + (select n from ${corrected}) as count`,
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
  const plan = firstMatches(params.search, allowedBy(params, scope), 1);
  const { rows } = await executor.execute<{ typed: number; corrected: number; term: string | null }>(
    sql`with ${plan.ctes} select ${plan.typedFound} as typed, ${plan.correctedFound} as corrected, ${plan.correctedTerm} as term`,
  );
  const [row] = rows;
  if (!row?.term || row.typed > 0 || row.corrected === 0) return params;
  return { ...params, search: row.term };
}
