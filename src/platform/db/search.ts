import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';

/**
 * The machinery of a full-text search in one statement, whatever the words, shared by
 * the modules that search their rows by relevance (tickets, customers); each module says
 * what its tiers match, this file how they run.
 *
 * The newest matches of a common word are a short walk down the created_at index; a
 * rare word's are found through the full-text GIN index, and a walk would read the
 * whole table. PostgreSQL cannot tell the two apart: it guesses 0.5% of rows for any
 * word its statistics do not list, and a generic prepared plan knows no word at all. So
 * a tier first reads only the newest `windowFor(wanted)` rows; when they hold enough
 * matches those are the answer, and only when they do not does the tier fetch all its
 * matches through the GIN index (a MATERIALIZED CTE, so the planner cannot turn that
 * back into a walk). A later tier runs only while the page is not full: it is gated by
 * a condition on the earlier tiers' row counts, which PostgreSQL evaluates once before
 * starting it (a "one-time filter"), and skips the tier when false.
 *
 * Typo tolerance: when the words as typed match nothing the caller can see, each word is
 * replaced by the nearest word of the module's vocabulary (trigram similarity against a
 * small `*_search_words` table of every searched word) and the tiers run again for those
 * words, in the same statement.
 *
 * The words enter the statement as values computed inside it (CTEs), never as constants
 * the planner could fold into its estimates: the plan has one shape for every word, so a
 * prepared statement keeps one generic plan (no planning per request) and no word can
 * turn it into a table scan.
 */

/** How many newest rows a tier reads before it turns to the full-text index. */
const windowFor = (wanted: number) => Math.min(Math.max(wanted * 100, 2000), 10_000);

/** The searched table: its rows are listed newest first by `createdAt`, then `id`. */
export interface SearchedTable {
  table: PgTable;
  id: PgColumn;
  createdAt: PgColumn;
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

/**
 * A word of a tsquery, optionally restricted to a weight: prefix-matched, but for a
 * single letter, which as a prefix would match a large share of all rows.
 */
export const prefixWord = (word: SQL, weight: '' | 'A' = '') =>
  sql`${word} || case when length(${word}) > 1 then ${sql.raw(`':*${weight}'`)} else ${sql.raw(`'${weight ? `:${weight}` : ''}'`)} end`;

/**
 * The words as typed, and as corrected against the module's vocabulary: each a one-row
 * CTE of the module's `columns`, plus `term` (the search as typed, lower-cased, or the
 * corrected words) and, for the corrected words, `changed`.
 */
function defineQueries<Query>(
  ctes: Ctes,
  search: RelevanceSearch<Query>,
  term: string,
): SearchQueries<Query> {
  const { vocabulary, columns, read } = search;
  const words = search.words(term);
  const asked = ctes.define(
    'asked_words',
    sql`select word, ord from unnest(${sql.param(words)}::text[]) with ordinality as asked(word, ord)`,
  );
  const typed = ctes.define(
    'typed_query',
    sql`select ${columns(asked)}, lower(${term}) as term from ${asked}`,
  );
  // Per word the nearest vocabulary word (over pg_trgm's similarity threshold), else the word itself.
  const correctedWords = ctes.define(
    'corrected_words',
    sql`select coalesce(nearest, word) as word, ord, nearest <> word as changed
      from (select asked.word, asked.ord, (select vocabulary.word from ${sql.raw(vocabulary)} vocabulary
          where vocabulary.word % asked.word order by vocabulary.word <-> asked.word limit 1) as nearest
        from ${asked} as asked) as words`,
  );
  const corrected = ctes.define(
    'corrected_query',
    sql`select ${columns(correctedWords)}, string_agg(word, ' ' order by ord) as term,
      coalesce(bool_or(changed), false) as changed from ${correctedWords}`,
  );
  return {
    typed: read(typed),
    corrected: read(corrected),
    changed: sql`(select changed from ${corrected})`,
    correctedTerm: sql`(select term from ${corrected})`,
  };
}

/** A term's queries as typed and as corrected, whether correcting changed a word, and the corrected words. */
interface SearchQueries<Query> {
  typed: Query;
  corrected: Query;
  changed: SQL;
  correctedTerm: SQL;
}

/** How a module builds the tiers of one query (the typed or the corrected words). */
export interface TierBuilder {
  /**
   * A tier of one plain query: the newest rows matching `condition`, while the
   * `before` rows of earlier tiers fall short of the page.
   */
  newest(name: string, rank: number, before: SQL, condition: SQL): SQL;
  /**
   * A tier that reads the newest rows matching `recent`, and only when those fall short
   * fetches every row matching `all` (the same rows, through the GIN index).
   */
  windowed(name: string, rank: number, before: SQL, recent: SQL, all?: SQL): SQL;
  /** A number computed once, when first read. */
  scalar(name: string, value: SQL): SQL;
  /** How many rows a CTE holds. */
  countOf(cte: SQL): SQL;
}

/**
 * Of one query, the module's tiers best first, run while the rows before them
 * (`before`: 0, or the page size to skip them) and their own fall short of the page;
 * answers how many they found.
 */
export type Tiers<Query> = (builder: TierBuilder, name: string, before: SQL, query: Query) => SQL;

/**
 * The first `wanted` matches among the rows `allowed` lets through: the CTEs that find
 * them, the SQL that lists them best first (match_id, match_rank, match_created_at), and
 * how many the words as typed and as corrected found.
 */
function firstMatches<Query>(search: RelevanceSearch<Query>, term: string, allowed: SQL, wanted: number) {
  const { table, id, createdAt } = search.source;
  const { tiers } = search;
  const newestFirst = sql`${createdAt} desc, ${id} desc`;
  const ctes = cteList();
  const queries = defineQueries(ctes, search, term);
  const limit = sql.raw(String(wanted));
  const window = sql.raw(String(windowFor(wanted)));
  const ranked: SQL[] = [];
  const rankedBy = (cte: SQL, rank: number) => {
    ranked.push(sql`select id, ${sql.raw(String(rank))}, created_at from ${cte}`);
    return cte;
  };

  const builder: TierBuilder = {
    newest: (name, rank, before, condition) =>
      rankedBy(
        ctes.define(
          name,
          sql`select ${id}, ${createdAt} from ${table}
            where ${before} < ${limit} and ${allowed} and ${condition}
            order by ${newestFirst} limit ${limit}`,
        ),
        rank,
      ),
    windowed: (name, rank, before, recentCondition, allCondition = recentCondition) => {
      const recent = ctes.define(
        `${name}_recent`,
        sql`select ${id}, ${createdAt}
          from (select * from ${table} order by ${newestFirst} limit ${window}) as ${table}
          where ${before} < ${limit} and ${allowed} and ${recentCondition}
          order by ${newestFirst} limit ${limit}`,
      );
      const enough = sql`${before} + ${countOf(recent)} >= ${limit}`;
      const all = ctes.define(
        `${name}_all`,
        sql`select ${id}, ${createdAt} from ${table}
          where not (${enough}) and ${allowed} and ${allCondition}`,
      );
      return rankedBy(
        ctes.define(
          name,
          sql`select id, created_at from ${recent} where ${enough}
            union all (select id, created_at from ${all} order by created_at desc, id desc limit ${limit})`,
        ),
        rank,
      );
    },
    scalar: (name, value) => sql`(select n from ${ctes.define(name, sql`select ${value} as n`)})`,
    countOf,
  };

  const typedFound = tiers(builder, 'typed', sql`0`, queries.typed);
  const correctedFound = tiers(
    builder,
    'corrected',
    builder.scalar(
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
    correctedTerm: queries.correctedTerm,
  };
}

/** A module's relevance search: its table, its words and vocabulary, its tiers, and what a match is. */
export interface RelevanceSearch<Query> {
  source: SearchedTable;
  /** The words of a term. */
  words: (term: string) => string[];
  /** The table of every searched word (one `word` column) that typos are corrected against. */
  vocabulary: string;
  /** The columns of a query, over its words (a CTE of `word` and `ord`). */
  columns: (words: SQL) => SQL;
  /** The module's query, from a CTE of its `columns`. */
  read: (cte: SQL) => Query;
  tiers: Tiers<Query>;
  /** What the query matches: every tier together. */
  matches: (query: Query) => SQL;
}

/** The statements of a module's relevance search. */
export function relevanceSearch<Query>(search: RelevanceSearch<Query>) {
  const { source, matches } = search;
  return {
    /** The ranking statement of one relevance page: match ids, best first. */
    ranking(term: string, allowed: SQL, limit: number, offset: number): SQL {
      const { ctes, ranked } = firstMatches(search, term, allowed, offset + limit);
      return sql`with ${ctes} ${ranked} limit ${limit} offset ${offset}`;
    },

    /** The exact number of rows a relevance search pages through: the typed words' matches, else the corrected words'. */
    count(term: string, allowed: SQL): SQL {
      const ctes = cteList();
      const queries = defineQueries(ctes, search, term);
      const typed = ctes.define(
        'typed_count',
        sql`select count(*) as n from ${source.table} where ${allowed} and ${matches(queries.typed)}`,
      );
      const corrected = ctes.define(
        'corrected_count',
        sql`select count(*) as n from ${source.table}
          where (select n from ${typed}) = 0 and ${queries.changed} and ${allowed} and ${matches(queries.corrected)}`,
      );
      return sql`with ${ctes.sql()} select ((select n from ${typed}) + (select n from ${corrected}))::int as count`;
    },

    /**
     * The statement deciding which words a search in another order than relevance (an
     * explicit sort, an export) uses: how many the typed and the corrected words find,
     * and the corrected words.
     */
    plan(term: string, allowed: SQL): SQL {
      const plan = firstMatches(search, term, allowed, 1);
      return sql`with ${plan.ctes} select ${plan.typedFound}::int as typed, ${plan.correctedFound}::int as corrected, ${plan.correctedTerm} as term`;
    },
  };
}
