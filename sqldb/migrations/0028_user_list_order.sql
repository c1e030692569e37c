-- The users list walks an index in its exact order (username_key, id) and
-- stops after one page, on PostgreSQL even before the table has been
-- analysed: with the id in the key no sort remains in the plan, whereas
-- the old (account_id, username_key) index let a planner without
-- statistics prefer reading every user of the account and sorting them
-- (BENCHMARKS.md, "Users list on a freshly loaded PostgreSQL").
CREATE INDEX users_account_order ON users (account_id, username_key, id);
CREATE INDEX users_department_order ON users (department_id, username_key, id);
DROP INDEX users_account_list;
DROP INDEX users_department_list;
