-- A person cannot have two pending or approved requests for overlapping days: the
-- database refuses the second even when two requests race.
ALTER TABLE time_off_requests ADD CONSTRAINT time_off_requests_no_overlap
  EXCLUDE USING gist (user_id WITH =, daterange(start_date, end_date, '[]') WITH &&)
  WHERE (status in ('pending', 'approved'));
