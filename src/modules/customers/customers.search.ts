import { sql, type SQL } from 'drizzle-orm';
import { customers } from './customers.tables.ts';

/**
 * Customer search over the names and company (in clear), in one statement whatever
 * the words; e-mail and phone are found by their blind indexes instead (the service
 * classifies a term first: encrypted fields have no prefix or typo search).
 *
 * Every word must match a word of the name as a prefix (`smi` finds Smith), through
 * the GIN index of the `search` tsvector. Relevance is two tiers, each newest first:
 * customers whose words match the query's whole words ("ann" finds Ann before Anna),
 * then prefix matches. As in tickets.search.ts, a tier first reads only the newest
 * `windowFor(wanted)` customers (a walk down the created_at index, which a common name
 * fills at once), and only when those hold too few matches fetches all its matches
 * through the GIN index (a MATERIALIZED CTE, so the planner cannot turn it back into a
 * walk); a rare name is a few rows of the index. The planner cannot tell the two cases
 * apart, so the statement decides at run time, and one generic plan serves every word.
 *
 * Typos: when the words as typed match nothing the caller may see, each word is
 * replaced by the nearest word of any customer's name (trigram distance over the small
 * customer_search_words table, above pg_trgm's similarity threshold) and the tiers run
 * again for those words, in the same statement.
 */

/** How many newest customers a tier reads before it turns to the GIN index. */
const windowFor = (wanted: number) => Math.min(Math.max(wanted * 100, 2000), 10_000);

/** The words of a search (letters and digits), lower-cased; at most 8. */
export const searchWords = (term: string): string[] =>
  term
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 8);

export type SearchKind = 'email' | 'phone' | 'name';

/** What a term searches: an e-mail (has an @), a phone number (digits and punctuation, 5+ digits), else names. */
export function searchKindOf(term: string): SearchKind {
  if (term.includes('@')) return 'email';
  if (/^[+\d\s().\-/]+$/.test(term) && term.replace(/\D/g, '').length >= 5) return 'phone';
  return 'name';
}

const newestFirst = sql`${customers.createdAt} desc, ${customers.id} desc`;

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

/** Prefix-matched, but for a single letter, which as a prefix would match a large share of all names. */
const prefixWord = (word: SQL) => sql`${word} || case when length(${word}) > 1 then ':*' else '' end`;

interface NameQuery {
  prefix: SQL;
  exact: SQL;
}

/** The tsqueries of the words (`word`, `ord`) of the CTE a statement reads them from. */
const queriesOf = () => sql`
  to_tsquery('simple', string_agg(${prefixWord(sql`word`)}, ' & ' order by ord)) as prefix_query,
  to_tsquery('simple', string_agg(word, ' & ' order by ord)) as exact_query`;

/** The words as typed, and as corrected against the words of customer names. */
function defineQueries(ctes: Ctes, term: string) {
  const asked = ctes.define(
    'asked_words',
    sql`select word, ord from unnest(${sql.param(searchWords(term))}::text[]) with ordinality as asked(word, ord)`,
  );
  const typed = ctes.define('typed_query', sql`select ${queriesOf()} from ${asked}`);
  const correctedWords = ctes.define(
    'corrected_words',
    sql`select coalesce(nearest, word) as word, ord, nearest <> word as changed
      from (select asked.word, asked.ord, (select vocabulary.word from customer_search_words vocabulary
          where vocabulary.word % asked.word order by vocabulary.word <-> asked.word limit 1) as nearest
        from ${asked} as asked) as words`,
  );
  const corrected = ctes.define(
    'corrected_query',
    sql`select ${queriesOf()}, coalesce(bool_or(changed), false) as changed,
      string_agg(word, ' ' order by ord) as term from ${correctedWords}`,
  );
  const of = (cte: SQL): NameQuery => ({
    prefix: sql`(select prefix_query from ${cte})`,
    exact: sql`(select exact_query from ${cte})`,
  });
  return {
    typed: of(typed),
    corrected: of(corrected),
    changed: sql`(select changed from ${corrected})`,
    correctedTerm: sql`(select term from ${corrected})`,
  };
}

/**
 * The first `wanted` matches of `term` among the customers `allowed` lets through:
 * the CTEs, the SQL listing them best first (match_id, match_rank, match_created_at),
 * and how many the typed and the corrected words found.
 */
function firstMatches(term: string, allowed: SQL, wanted: number) {
  const ctes = cteList();
  const queries = defineQueries(ctes, term);
  const limit = sql.raw(String(wanted));
  const window = sql.raw(String(windowFor(wanted)));
  const ranked: SQL[] = [];
  const scalar = (name: string, value: SQL) =>
    sql`(select n from ${ctes.define(name, sql`select ${value} as n`)})`;

  const tier = (name: string, rank: number, before: SQL, condition: SQL) => {
    const recent = ctes.define(
      `${name}_recent`,
      sql`select ${customers.id}, ${customers.createdAt}
        from (select * from ${customers} order by ${newestFirst} limit ${window}) as ${customers}
        where ${before} < ${limit} and ${allowed} and ${condition}
        order by ${newestFirst} limit ${limit}`,
    );
    const enough = sql`${before} + ${countOf(recent)} >= ${limit}`;
    const all = ctes.define(
      `${name}_all`,
      sql`select ${customers.id}, ${customers.createdAt} from ${customers}
        where not (${enough}) and ${allowed} and ${condition}`,
    );
    const cte = ctes.define(
      name,
      sql`select id, created_at from ${recent} where ${enough}
        union all (select id, created_at from ${all} order by created_at desc, id desc limit ${limit})`,
    );
    ranked.push(sql`select id, ${sql.raw(String(rank))}, created_at from ${cte}`);
    return cte;
  };

  /** Both tiers of one query, run while the rows before them fall short of the page; answers how many they found. */
  const tiers = (name: string, before: SQL, query: NameQuery) => {
    const exactMatch = sql`${customers.search} @@ ${query.exact}`;
    const exact = tier(`${name}_exact`, 2, before, exactMatch);
    const beforePrefix = scalar(`${name}_before_prefix`, sql`${before} + ${countOf(exact)}`);
    const prefix = tier(
      `${name}_prefix`,
      1,
      beforePrefix,
      sql`${customers.search} @@ ${query.prefix} and not (${exactMatch})`,
    );
    return scalar(`${name}_found`, sql`${beforePrefix} - ${before} + ${countOf(prefix)}`);
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
    correctedTerm: queries.correctedTerm,
  };
}

/** The ranking statement of one relevance page: match ids, best first. */
export function relevanceRanking(term: string, allowed: SQL, limit: number, offset: number): SQL {
  const { ctes, ranked } = firstMatches(term, allowed, offset + limit);
  return sql`with ${ctes} ${ranked} limit ${limit} offset ${offset}`;
}

/** The exact number of customers a relevance search pages through: the typed words' matches, else the corrected words'. */
export function relevanceCountStatement(term: string, allowed: SQL): SQL {
  const ctes = cteList();
  const queries = defineQueries(ctes, term);
  const typed = ctes.define(
    'typed_count',
    sql`select count(*) as n from ${customers} where ${allowed} and ${customers.search} @@ ${queries.typed.prefix}`,
  );
  const corrected = ctes.define(
    'corrected_count',
    sql`select count(*) as n from ${customers}
      where (select n from ${typed}) = 0 and ${queries.changed} and ${allowed}
        and ${customers.search} @@ ${queries.corrected.prefix}`,
  );
  return sql`with ${ctes.sql()} select ((select n from ${typed}) + (select n from ${corrected}))::int as count`;
}

/** The statement deciding which words a search in another order than relevance (an export) uses: typed or corrected. */
export function searchPlanStatement(term: string, allowed: SQL): SQL {
  const plan = firstMatches(term, allowed, 1);
  return sql`with ${plan.ctes} select ${plan.typedFound}::int as typed, ${plan.correctedFound}::int as corrected, ${plan.correctedTerm} as term`;
}

/** The condition of a name search without ranking: every word a prefix of a word of the name. */
export function nameCondition(term: string): SQL {
  const words = searchWords(term);
  if (words.length === 0) return sql`false`;
  const query = words.map((word) => (Array.from(word).length > 1 ? `${word}:*` : word)).join(' & ');
  return sql`${customers.search} @@ to_tsquery('simple', ${query})`;
}
