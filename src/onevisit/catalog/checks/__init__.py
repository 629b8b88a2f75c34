"""Checking a definition file: its shape (pydantic), its references, its rules.

:func:`check_file` returns the file's definitions when everything holds, and otherwise every
problem found, each at the line and field it is about:

- shape: pydantic's errors, their ``loc`` mapped to the YAML's lines;
- references: departments, datahub items and their fields, certificate types and their
  fields, bundles' member services;
- rules: every eligibility condition, check, instant-approval rule, ``when``, fee formula
  and certificate claim is parsed and type-checked (``onevisit.rules``) against the
  applicant's facts — the built-in facts for the applicant's kind, the form's fields and
  the declared ``facts`` — so ``age >= '18'`` or ``employes > 10`` fails at load;
- consistency: names unique, fees collected by a payment step, certificates issued and
  listed as outputs, uploads only as the last way to provide a material.
"""

from onevisit.catalog.checks.file import Checked, check_file
from onevisit.catalog.checks.shape import shape_problems

__all__ = ["Checked", "check_file", "shape_problems"]
