import { sql, type SQL } from 'drizzle-orm';
import { prefixWord, relevanceSearch } from '../../platform/db/search.ts';
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
 * customers (a walk down the created_at index, which a common name fills at once), and
 * only when those hold too few matches fetches all its matches through the GIN index;
 * a rare name is a few rows of the index (platform/db/search.ts runs the tiers).
 *
 * Typos: when the words as typed match nothing the caller may see, each word is
 * replaced by the nearest word of any customer's name (trigram distance over the small
 * customer_search_words table, above pg_trgm's similarity threshold) and the tiers run
 * again for those words, in the same statement.
 */

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

/** What a name search matches: every word a prefix of a word of the name (`prefix`), or every word whole (`exact`). */
interface NameQuery {
  prefix: SQL;
  exact: SQL;
}

/** The tsqueries of the words (`word`, `ord`) of the CTE a statement reads them from. */
const queriesOf = () => sql`
  to_tsquery('simple', string_agg(${prefixWord(sql`word`)}, ' & ' order by ord)) as prefix_query,
  to_tsquery('simple', string_agg(word, ' & ' order by ord)) as exact_query`;

const search = relevanceSearch<NameQuery>({
  source: { table: customers, id: customers.id, createdAt: customers.createdAt },
  words: searchWords,
  vocabulary: 'customer_search_words',
  columns: queriesOf,
  read: (cte) => ({
    prefix: sql`(select prefix_query from ${cte})`,
    exact: sql`(select exact_query from ${cte})`,
  }),
  // Whole-word matches, then prefix matches.
  tiers: (builder, name, before, query) => {
    const exactMatch = sql`${customers.search} @@ ${query.exact}`;
    const exact = builder.windowed(`${name}_exact`, 2, before, exactMatch);
    const beforePrefix = builder.scalar(`${name}_before_prefix`, sql`${before} + ${builder.countOf(exact)}`);
    const prefix = builder.windowed(
      `${name}_prefix`,
      1,
      beforePrefix,
      sql`${customers.search} @@ ${query.prefix} and not (${exactMatch})`,
    );
    return builder.scalar(`${name}_found`, sql`${beforePrefix} - ${before} + ${builder.countOf(prefix)}`);
  },
  matches: (query) => sql`${customers.search} @@ ${query.prefix}`,
});

/** The ranking statement of one relevance page: match ids, best first. */
export const relevanceRanking = (term: string, allowed: SQL, limit: number, offset: number): SQL =>
  search.ranking(term, allowed, limit, offset);

/** The exact number of customers a relevance search pages through: the typed words' matches, else the corrected words'. */
export const relevanceCountStatement = (term: string, allowed: SQL): SQL => search.count(term, allowed);

/** The statement deciding which words a search in another order than relevance (an export) uses: typed or corrected. */
export const searchPlanStatement = (term: string, allowed: SQL): SQL => search.plan(term, allowed);

/** The condition of a name search without ranking: every word a prefix of a word of the name. */
export function nameCondition(term: string): SQL {
  const words = searchWords(term);
  if (words.length === 0) return sql`false`;
  const query = words.map((word) => (Array.from(word).length > 1 ? `${word}:*` : word)).join(' & ');
  return sql`${customers.search} @@ to_tsquery('simple', ${query})`;
}
