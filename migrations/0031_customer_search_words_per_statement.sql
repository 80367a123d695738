-- Name and company words for typo correction are collected once per INSERT statement (a
-- transition table) rather than once per row, as tickets' titles are (0025): a 1,000-row
-- import batch runs the trigger once. Updates keep the row trigger (PostgreSQL allows no
-- transition table with a column list).
DROP TRIGGER customers_collect_search_words ON customers;
--> statement-breakpoint
CREATE FUNCTION customers_collect_inserted_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO customer_search_words (word)
  SELECT DISTINCT lower(w)
    FROM inserted,
         regexp_split_to_table(inserted.first_name || ' ' || inserted.last_name || ' ' || inserted.company, '[^[:alnum:]]+') AS w
   WHERE length(w) >= 3
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER customers_collect_inserted_search_words AFTER INSERT ON customers
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION customers_collect_inserted_search_words();
--> statement-breakpoint
CREATE TRIGGER customers_collect_search_words AFTER UPDATE OF first_name, last_name, company ON customers
  FOR EACH ROW EXECUTE FUNCTION customers_collect_search_words();
