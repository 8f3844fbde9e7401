-- A company's read models live in the database the company is placed in, which need not be the
-- catalog holding app.companies: no foreign key spans two databases.
ALTER TABLE app.read_models_built DROP CONSTRAINT IF EXISTS read_models_built_company_key_fkey;
