"""The embedded tantivy search engine: the read model of the published cases.

The database stays the one source of truth; this package keeps a derived index of what
the public may see (published cases only) and answers searches, counts, facets and
orderings from it. Modules, in the order they depend on each other:

- `schema`: the fields of a document, the analysers and `SCHEMA_VERSION`;
- `documents`: a case as a document, and the query that streams them from the database;
- `index`: the index on disk (`SEARCH_INDEX_DIR`), its atomic rebuild, the process-wide
  reader, and the writes of one case;
- `journal`: how a public change reaches every machine's index, on commit;
- `query`: the site's own search syntax, parsed into tantivy queries (never raises);
- `search`: one question (text, filters, ordering, page) in, one answer out;
- `cards`: a page's result cards, from what the index stores.

The case list, its exports and feed, and the term and city pages ask it
(`search.search`, `search.matching`, `search.Newest`). Result cards and the exports'
records are made from the stored documents (`cards.cards`, `exports.py`); the feed,
the case page and the API read their rows of the ids it answers from the database.
"""
