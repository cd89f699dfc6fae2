"""The course's grader (see README.md in this folder)."""

import sys

# jsonschema, which nbformat imports, builds the grammars of rfc3987-syntax (installed with
# Jupyter's packages) as it is imported: a second in every process. Notebook schemas check
# no IRI format, so the course's processes import jsonschema without it.
sys.modules.setdefault("rfc3987_syntax", None)
