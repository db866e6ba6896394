"""Import a plan a board already keeps in Excel or Word (XLSX, CSV or .docx).

- `pipeline`: the import itself, one module a step (read the document, find the
  header, map columns, find the key, build groups, read rows, match, number refs,
  validate, write) and one entry point, `pipeline.run_import`;
- `readers` and `word`: bytes -> rows of cell values, refusing hostile files;
- `vocabulary`, `headers` and `statuses`: the words of real plans (column headings,
  status words, kinds of finding and agency), as data;
- `preview`: what reading found (`ImportPreview`), which the manager checks;
- `forms` and `uploads`: the upload -> preview -> confirm pages' forms and stored files.

`manage.py import_plan` and `actionplans.import_views` are the two ways in. `cells`
holds the formula-injection guard that exports (`reporting.exports`) share.
"""
