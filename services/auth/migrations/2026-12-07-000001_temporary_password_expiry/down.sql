ALTER TABLE users DROP COLUMN temporary_until;
