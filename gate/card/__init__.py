"""The card format: a Markdown file whose YAML front matter is the data.

Parsing and splitting (`document`), front-matter line edits (`frontmatter`), the
approval digest (`digest`), schema validation (`schema`), the paths a card names
(`paths`) and the `Finding` every rule reports (`findings`). May import
`gate.sources` (YAML), `gate.git`, `gate.errors` and `gate.config`; nothing above.
"""
