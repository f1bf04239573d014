-- A password its user did not choose (an import's setup code, an admin's
-- reset) works until this moment, and only to choose a new one. NULL for a
-- password the user chose (and for temporary ones made before this
-- column existed, which keep working until used).
ALTER TABLE users ADD COLUMN temporary_until TIMESTAMP;
