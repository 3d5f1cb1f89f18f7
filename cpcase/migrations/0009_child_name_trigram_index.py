"""A trigram index on each child's unaccented, lower-case full name.

``unaccent`` is not immutable (its dictionary can change), so it cannot be indexed
directly; the usual wrapper names the dictionary explicitly and is declared immutable.
Names are schema-qualified: PostgreSQL builds an index with a restricted search path.
"""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION public.cpcase_immutable_unaccent(text) RETURNS text
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT;
CREATE OR REPLACE FUNCTION public.cpcase_name_key(first text, last text) RETURNS text
    AS $$ SELECT public.cpcase_immutable_unaccent(
        lower(coalesce(first, '') || ' ' || coalesce(last, ''))) $$
    LANGUAGE sql IMMUTABLE PARALLEL SAFE;
CREATE INDEX child_name_trgm ON cpcase_child
    USING gin (public.cpcase_name_key(first_name, last_name) public.gin_trgm_ops);
"""
REVERSE = """
DROP INDEX IF EXISTS child_name_trgm;
DROP FUNCTION IF EXISTS public.cpcase_name_key(text, text);
DROP FUNCTION IF EXISTS public.cpcase_immutable_unaccent(text);
"""


class Migration(migrations.Migration):
    dependencies = [("cpcase", "0008_address_postcode_index")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
