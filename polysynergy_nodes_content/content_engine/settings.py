"""Engine settings: schema names, migration safety limits and Supabase behaviour.

Defaults suit Supabase; each can be set in code or through ``SECTIONS_*`` environment
variables, so nodes and the CLI pick up the same configuration.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, replace

from .errors import ConfigurationError
from .identifiers import check_identifier
from .postgres import check_mode

DEFAULT_GRANTS = {
    "service_role": ["SELECT", "INSERT", "UPDATE", "DELETE"],
    "authenticated": ["SELECT", "INSERT", "UPDATE", "DELETE"],
    "anon": ["SELECT"],
}
_PRIVILEGES = {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}


@dataclass(frozen=True)
class EngineSettings:
    system_schema: str = "public"
    content_schema: str = "custom"
    archive_schema: str = "content_archive"
    #: How long DDL may wait for a lock before giving up (then retried).
    lock_timeout_ms: int = 2000
    #: Upper bound of one migration statement.
    statement_timeout_ms: int = 300_000
    #: Attempts of an apply that hit the lock timeout.
    lock_retries: int = 3
    #: Change a column's type on a populated table without a rewrite under lock: a new
    #: column kept in sync by a trigger, filled in batches, then swapped in.
    online_type_changes: bool = True
    #: Rows per transaction of the backfill of an online type change.
    backfill_batch_size: int = 5000
    #: How long planning may wait for a lock (reading a table another session locked).
    plan_lock_timeout_ms: int = 5000
    #: Grants on new tables to these roles, where they exist (Supabase API roles).
    grants: dict = field(default_factory=lambda: dict(DEFAULT_GRANTS))
    #: Enable row level security on new tables (no policy: server-side access only).
    enable_rls: bool = True
    #: Roles that get a permissive SELECT policy on new tables when RLS is on.
    read_policy_roles: tuple = ()
    #: End migrations with NOTIFY pgrst so PostgREST reloads its schema cache.
    notify_pgrst: bool = True
    #: Prepared statements break behind a transaction pooler; None: on unless a pooler is found.
    prepared_statements: bool | None = None
    #: The pooler in front of the database URL: "auto" (detect), "none", "session" or "transaction".
    pooler: str = "auto"
    #: Where apply and rollback connect when the database URL goes through a transaction
    #: pooler (Supabase: the direct connection, port 5432). None: the database URL.
    migration_database_url: str | None = field(default=None, repr=False)
    #: Upper bound of each statement of a read transaction (queries, gets, aggregates,
    #: exports, titles); 0: none. Set with SET LOCAL, so it works behind a pooler.
    read_statement_timeout_ms: int = 30_000
    #: Caps on one filter: the longest text operand (characters), conditions, levels of
    #: _and/_or/relation nesting, and its size as JSON (bytes).
    max_filter_operand_length: int = 1000
    max_filter_conditions: int = 200
    max_filter_depth: int = 8
    max_filter_bytes: int = 65_536
    default_limit: int = 50
    max_limit: int = 1000
    pool_min_size: int = 1
    pool_max_size: int = 10
    #: Loopback or private networks webhook targets may be on (CIDRs such as 10.0.0.0/8, or
    #: "private" for all of them). Link-local and metadata addresses are never allowed.
    events_allow_networks: tuple = ()
    #: Days delivered events are kept (replay reaches back this far).
    events_keep_days: int = 7

    def __post_init__(self):
        for name in ("system_schema", "content_schema", "archive_schema"):
            check_identifier(getattr(self, name), name)
        if len({self.system_schema, self.content_schema, self.archive_schema}) < 3 and (
            self.content_schema in (self.system_schema, self.archive_schema)
            or self.system_schema == self.archive_schema
        ):
            raise ConfigurationError("system, content and archive schemas must be different")
        for role, privileges in self.grants.items():
            check_identifier(role, "grant role")
            bad = set(privileges) - _PRIVILEGES
            if bad:
                raise ConfigurationError(f"unknown privileges for role {role}: {sorted(bad)}")
        for role in self.read_policy_roles:
            check_identifier(role, "policy role")
        check_mode(self.pooler)
        if self.backfill_batch_size < 1:
            raise ConfigurationError("backfill_batch_size must be at least 1")
        if self.read_statement_timeout_ms < 0:
            raise ConfigurationError("read_statement_timeout_ms must be 0 (no limit) or more")
        if isinstance(self.events_allow_networks, str):
            object.__setattr__(self, "events_allow_networks", tuple(
                n.strip() for n in self.events_allow_networks.split(",") if n.strip()))
        for network in self.events_allow_networks:
            if network != "private":
                try:
                    ipaddress.ip_network(network, strict=False)
                except ValueError:
                    raise ConfigurationError(f"events_allow_networks: '{network[:60]}' is not a network such as "
                                             "127.0.0.1/32 or 10.0.0.0/8 (or 'private')") from None
        if self.events_keep_days < 1:
            raise ConfigurationError("events_keep_days must be at least 1")
        for name in ("max_filter_operand_length", "max_filter_conditions", "max_filter_depth", "max_filter_bytes"):
            if getattr(self, name) < 1:
                raise ConfigurationError(f"{name} must be at least 1")

    def with_changes(self, **changes) -> "EngineSettings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ=None, **overrides) -> "EngineSettings":
        env = os.environ if environ is None else environ
        values: dict = {}
        for name in ("system_schema", "content_schema", "archive_schema"):
            key = f"SECTIONS_{name.upper()}"
            if env.get(key):
                values[name] = env[key]
        for name in ("lock_timeout_ms", "statement_timeout_ms", "lock_retries", "backfill_batch_size",
                     "plan_lock_timeout_ms", "read_statement_timeout_ms", "max_filter_operand_length",
                     "max_filter_conditions", "max_filter_depth", "max_filter_bytes", "events_keep_days"):
            key = f"SECTIONS_{name.upper()}"
            if env.get(key):
                values[name] = int(env[key])
        for name in ("enable_rls", "notify_pgrst", "prepared_statements"):
            key = f"SECTIONS_{name.upper()}"
            if env.get(key):
                values[name] = env[key].strip().lower() in ("1", "true", "yes", "on")
        if env.get("SECTIONS_EVENTS_ALLOW_NETWORKS", "").strip():
            values["events_allow_networks"] = env["SECTIONS_EVENTS_ALLOW_NETWORKS"]
        if env.get("SECTIONS_POOLER"):
            values["pooler"] = env["SECTIONS_POOLER"].strip()
        if env.get("SECTIONS_MIGRATION_DATABASE_URL", "").strip():
            values["migration_database_url"] = env["SECTIONS_MIGRATION_DATABASE_URL"].strip()
        values.update(overrides)
        return cls(**values)
