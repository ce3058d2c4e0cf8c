"""mqm-kg: a knowledge graph of Karachi's MQM and its splinters, with a library and a CLI.

Importing ``kg`` is cheap: the heavy libraries (rdflib, owlrl, pyshacl) are imported by
the functions that need them. The public API (see README "Using as a library"):

* ``kg.project.paths.resolve_data_dir`` -> ``DataDir``
* ``kg.project.load.load_dataset``, ``kg.project.load.parse_file``
* ``kg.engine.reference.reason.reason`` -> ``ReasonResult`` (``.inferred``, ``.consistency``)
* ``kg.store.cache.ensure_cache`` / ``kg.store.cache.open_store``: the reasoned dataset on disk
* ``kg.project.catalogue.catalogue``, ``kg.project.catalogue.get_query``, ``kg.ops.query.run_query``
* ``kg.ops.validate.validate`` -> ``ValidationReport``
* ``kg.ops.check.run_checks`` -> ``CheckReport``
* ``kg.ops.export.export`` -> bytes
* ``kg.ops.whois.resolve`` / ``kg.ops.whois.profile``, ``kg.ops.timeline.timeline``, ``kg.ops.stats.stats``
* ``kg.ops.add.add_file``

Every operation takes ``settings=`` (``kg.config.Settings``: cache dir, persistent store,
engine, input limits); ``Settings.from_environment()`` reads them as the CLI does.

Layer: the package root; imports nothing from kg (so `import kg` stays cheap).
"""

__version__ = "0.1.0"
