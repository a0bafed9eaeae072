"""Supabase's database lint rules (splinter), restated as catalog queries.

Each query returns one row per finding (schema, object, detail) among the objects of
the schemas in ``%(schemas)s``; ``%(exposed)s`` are the schemas the API serves (what
PostgREST's ``db_schemas`` would list). The conditions follow the published rules: a
foreign key counts as indexed only when an index has exactly its columns, a function
needs ``search_path`` in its own configuration, and so on.
"""

from __future__ import annotations

import psycopg

_API_CAN_SELECT = (
    "(has_table_privilege('anon', c.oid, 'SELECT') OR has_table_privilege('authenticated', c.oid, 'SELECT'))"
)

LINTS = {
    # level ERROR: a table the API serves, readable by an API role, without row level security
    "rls_disabled_in_public": f"""
        SELECT n.nspname, c.relname, 'row level security is off'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND NOT c.relrowsecurity AND {_API_CAN_SELECT}
          AND n.nspname = ANY(%(exposed)s) AND n.nspname = ANY(%(schemas)s)""",
    # level ERROR: policies that do nothing because row level security is off
    "policy_exists_rls_disabled": """
        SELECT n.nspname, c.relname, string_agg(p.polname, ', ')
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND NOT c.relrowsecurity AND n.nspname = ANY(%(schemas)s)
        GROUP BY 1, 2""",
    # level ERROR: credential or personal-data column names in an API table without RLS
    "sensitive_columns_exposed": f"""
        SELECT n.nspname, c.relname, a.attname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relkind = 'r' AND NOT c.relrowsecurity AND {_API_CAN_SELECT}
          AND n.nspname = ANY(%(exposed)s) AND n.nspname = ANY(%(schemas)s)
          AND replace(lower(a.attname), '-', '_') = ANY(ARRAY['password', 'passwd', 'pwd', 'secret', 'api_key',
              'apikey', 'token', 'access_token', 'refresh_token', 'jwt', 'private_key', 'session_token', 'ssn',
              'credit_card', 'card_number', 'cvv', 'iban', 'account_number', 'passport_number', 'tax_id'])""",
    # level ERROR: views that run with their owner's rights
    "security_definer_view": """
        SELECT n.nspname, c.relname, 'view without security_invoker'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'v' AND n.nspname = ANY(%(exposed)s) AND n.nspname = ANY(%(schemas)s)
          AND NOT coalesce(c.reloptions::text[] && ARRAY['security_invoker=true', 'security_invoker=on'], false)""",
    # level WARN: a function whose name resolution follows the caller's search_path
    "function_search_path_mutable": """
        SELECT n.nspname, p.proname, 'search_path not set'
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = ANY(%(schemas)s)
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
          AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) cfg WHERE cfg LIKE 'search_path=%%')""",
    # level WARN: a SECURITY DEFINER function the API roles may call
    "security_definer_function_executable": """
        SELECT n.nspname, p.proname, 'SECURITY DEFINER, executable by an API role'
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prosecdef AND n.nspname = ANY(%(schemas)s)
          AND (has_function_privilege('anon', p.oid, 'EXECUTE')
               OR has_function_privilege('authenticated', p.oid, 'EXECUTE'))""",
    # level WARN: two indexes with the same definition
    "duplicate_index": """
        SELECT i.schemaname, i.tablename, string_agg(i.indexname, ', ')
        FROM pg_indexes i WHERE i.schemaname = ANY(%(schemas)s)
        GROUP BY i.schemaname, i.tablename, replace(i.indexdef, i.indexname, '')
        HAVING count(*) > 1""",
    # level WARN: a permissive write policy that admits every row
    "rls_policy_always_true": """
        SELECT pp.schemaname, pp.tablename, pp.policyname
        FROM pg_policies pp JOIN pg_namespace n ON n.nspname = pp.schemaname
        JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = pp.tablename
        WHERE c.relrowsecurity AND pp.schemaname = ANY(%(schemas)s) AND pp.permissive = 'PERMISSIVE'
          AND pp.cmd IN ('UPDATE', 'DELETE', 'ALL', 'INSERT')
          AND (replace(lower(coalesce(pp.qual, '')), ' ', '') IN ('true', '(true)')
               OR replace(lower(coalesce(pp.with_check, '')), ' ', '') IN ('true', '(true)'))""",
    # level INFO: a table without a primary key
    "no_primary_key": """
        SELECT n.nspname, c.relname, 'no primary key'
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname = ANY(%(schemas)s)
          AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)""",
    # level INFO: a foreign key without an index of exactly its columns
    "unindexed_foreign_keys": """
        SELECT n.nspname, c.relname, k.conname
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE k.contype = 'f' AND n.nspname = ANY(%(schemas)s)
          AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = k.conrelid AND i.indisvalid
                          AND string_to_array(i.indkey::text, ' ')::smallint[] = k.conkey)""",
}


def findings(url: str, schemas, exposed) -> dict[str, list[tuple]]:
    """Every rule's findings among ``schemas`` (only rules with findings are returned)."""
    out = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for name, query in LINTS.items():
            rows = conn.execute(query, {"schemas": list(schemas), "exposed": list(exposed)}).fetchall()
            if rows:
                out[name] = rows
    return out
