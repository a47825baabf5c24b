"""The runbook's shared ground, below the features that use it.

* :mod:`.items` and :mod:`.checks`: the checklist items, declared once (``plan`` and ``apply``
  check them; ``check pre-baseline|pre-patch|post-apply`` reuses them);
* :mod:`.verify`: the checks after a change (revision, schema, health URL, SQL checks);
* :mod:`.record`, :mod:`.backup`, :mod:`.backupdir`: what a run leaves on disk — its record and
  its backup. ``deploy`` and ``repair`` write them; ``doctor``'s checklists read them back.

Data flows one way: the features import this package, never the other way round.
"""
