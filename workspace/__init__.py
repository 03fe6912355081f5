"""The workspace, under /workspace/: where a city's officers keep its cases and its
profile (teams, labs, strategies, funding programmes) and its reviewers publish.

It sits above the apps whose records it edits (innovation_cases and cities) and holds
only views, forms of its own and routes: the rules it applies are the models'.
- `cases`: the dashboard, the case editor, the review workflow's steps, the review
  queue, proposed changes (revisions) and a case's history;
- `profiles`: the city profile's records and their history;
- `urls`: the routes (namespace `workspace`).
"""
