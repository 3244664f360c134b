"""De-identification of imported studies (DICOM PS3.15 Annex E).

- :mod:`viewer.deid.headers`: :func:`~viewer.deid.headers.deidentify_header` cleans a DICOM header
  to the Basic Application Level Confidentiality Profile, optionally with shifted dates.
- :mod:`viewer.deid.annex_e`: the action table (dicom-anonymizer's plus ours) and its coverage of
  the standard's table (``python -m viewer.deid.annex_e REFERENCE.json``).

Nothing is imported here, so ``python -m viewer.deid.annex_e`` runs cleanly.
"""
