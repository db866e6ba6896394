"""Import a plan a board already keeps in Excel or Word (saved as XLSX or CSV).

The pipeline, one module a step:

- `readers`: bytes -> rows of cell values, refusing hostile files with a clear message;
- `headers` and `statuses`: the vocabularies of real plans (column headings, status words);
- `plan_rows`: rows + column mapping -> an `ImportPreview` (`preview`): the actions, the
  findings, themes and objectives they sit in, row errors, what we could not match;
- `services`: the preview -> the database, all or nothing, idempotent (or a dry run);
- `forms` and `uploads`: the upload -> preview -> confirm pages' forms and stored files.

`manage.py import_plan` and `actionplans.import_views` are the two ways in. `cells`
holds the formula-injection guard that exports (`reporting.exports`) share.
"""
