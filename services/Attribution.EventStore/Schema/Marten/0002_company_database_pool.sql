-- Marten's sharded tenancy: the pool of company databases and where each company is placed
-- (read in the catalog database), and the tenant list Marten keeps in every company database.
-- Every database gets the same schema, so any of them can serve as the catalog or hold companies;
-- the pool tables stay empty outside the catalog. The DDL is Weasel's own for these tables, so
-- Marten finds them as it expects (the store never creates schema objects by itself).
CREATE SCHEMA IF NOT EXISTS tenancy;

CREATE TABLE IF NOT EXISTS tenancy.mt_database_pool (
    database_id          varchar    NOT NULL,
    connection_string    varchar    NOT NULL,
    is_full              boolean    NOT NULL DEFAULT false,
    tenant_count         integer    NOT NULL DEFAULT 0,
CONSTRAINT pkey_mt_database_pool_database_id PRIMARY KEY (database_id)
);

CREATE TABLE IF NOT EXISTS tenancy.mt_tenant_assignments (
    tenant_id      varchar        NOT NULL,
    database_id    varchar        NOT NULL,
    assigned_at    timestamptz    NOT NULL DEFAULT now(),
    disabled       boolean        NOT NULL DEFAULT false,
CONSTRAINT pkey_mt_tenant_assignments_tenant_id PRIMARY KEY (tenant_id),
CONSTRAINT fk_tenant_assignment_database FOREIGN KEY (database_id) REFERENCES tenancy.mt_database_pool (database_id)
);

CREATE SCHEMA IF NOT EXISTS tenants;

CREATE TABLE IF NOT EXISTS tenants.mt_tenant_partitions (
    partition_value     varchar    NOT NULL,
    partition_suffix    varchar    NULL,
CONSTRAINT pkey_mt_tenant_partitions_partition_value PRIMARY KEY (partition_value)
);
