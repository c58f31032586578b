"""The schema as numbered migrations: each entry upgrades the database by one version, never edited once released.

Design, in brief (store.py has the reasons):
- `documents`: every team document as JSONB, keyed by tenant, team, kind and id, with a version.
- `jobs`: the one global table, with the columns the scheduler queries (status, ready_at) beside the JSON job.
- `memberships` and `deliveries`: relational, one row per person and team, and per inbound delivery.
- `records`: any other record kept outside the teams, as JSONB, in a tenant's scope or the global one (`*`).
- Row-level security on every table, forced even for the owner. The app's transactions run as `reflect_app`
  with `app.tenant` set per transaction: tenant tables show it that tenant's rows only; the job table shows
  it every tenant's jobs only when `app.tenant` is `*`, the scheduler's scope. `reflect_maintenance` may read
  everything (the copy command and its counts); it is never used to serve a request.
"""

from __future__ import annotations

from dataclasses import dataclass

APP_ROLE = "reflect_app"
MAINTENANCE_ROLE = "reflect_maintenance"
TENANT_TABLES = ("documents", "records", "memberships", "deliveries")


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    sql: str


_ROLES = f"""
DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{MAINTENANCE_ROLE}') THEN
        CREATE ROLE {MAINTENANCE_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$roles$;
GRANT {APP_ROLE}, {MAINTENANCE_ROLE} TO CURRENT_USER;
DO $usage$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO {APP_ROLE}, {MAINTENANCE_ROLE}', current_schema());
END
$usage$;
"""

_TABLES = """
CREATE TABLE documents (
    tenant text NOT NULL,
    team_id text NOT NULL,
    kind text NOT NULL,
    doc_id text NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    version bigint NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    doc jsonb NOT NULL,
    PRIMARY KEY (tenant, team_id, kind, doc_id)
);
CREATE INDEX documents_doc ON documents USING gin (doc jsonb_path_ops);

CREATE TABLE jobs (
    record_id text PRIMARY KEY,
    tenant text NOT NULL,
    team_id text NOT NULL,
    job_id text NOT NULL,
    status text NOT NULL,
    ready_at timestamptz,
    version bigint NOT NULL DEFAULT 1,
    doc jsonb NOT NULL,
    UNIQUE (tenant, team_id, job_id)
);
CREATE INDEX jobs_ready ON jobs (ready_at) WHERE ready_at IS NOT NULL;
CREATE INDEX jobs_doc ON jobs USING gin (doc jsonb_path_ops);

CREATE TABLE records (
    tenant text NOT NULL,
    kind text NOT NULL,
    record_id text NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    doc jsonb NOT NULL,
    PRIMARY KEY (tenant, kind, record_id)
);

CREATE TABLE memberships (
    tenant text NOT NULL,
    user_id text NOT NULL,
    team_id text NOT NULL,
    role text NOT NULL CHECK (role IN ('lead', 'member')),
    PRIMARY KEY (tenant, user_id, team_id)
);

CREATE TABLE deliveries (
    tenant text NOT NULL,
    key_hash text NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, key_hash)
);
CREATE INDEX deliveries_expiry ON deliveries (tenant, expires_at);
"""


def _security() -> str:
    """Forced RLS and grants: the app sees one tenant at a time; only the scheduler's scope spans tenants."""
    own_tenant = "tenant = current_setting('app.tenant', true)"
    statements = []
    for table in (*TENANT_TABLES, "jobs"):
        scope = own_tenant if table != "jobs" else f"({own_tenant} OR current_setting('app.tenant', true) = '*')"
        statements += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
            f"CREATE POLICY app_scope ON {table} TO {APP_ROLE} USING ({scope}) WITH CHECK ({scope})",
            f"CREATE POLICY maintenance_read ON {table} FOR SELECT TO {MAINTENANCE_ROLE} USING (true)",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}",
            f"GRANT SELECT ON {table} TO {MAINTENANCE_ROLE}",
        ]
    return ";\n".join(statements) + ";"


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "documents, jobs, memberships and deliveries under row-level security", _ROLES + _TABLES + _security()),
    Migration(
        2,
        "delivery claims carry a one-way tag of the person whose turn made them, so an erasure can remove them",
        "ALTER TABLE deliveries ADD COLUMN owner text;\n"
        "CREATE INDEX deliveries_owner ON deliveries (tenant, owner) WHERE owner IS NOT NULL;",
    ),
)
"""Append only: version N is MIGRATIONS[N - 1]."""
