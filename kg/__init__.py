"""mqm-kg: a knowledge graph of Karachi's MQM and its splinters, with a library and a CLI.

Importing ``kg`` is cheap: the heavy libraries (rdflib, owlrl, pyshacl) are imported by
the functions that need them. The public API (see README "Using as a library"):

* ``kg.paths.resolve_data_dir`` -> ``DataDir``
* ``kg.load.load_dataset``, ``kg.load.parse_file``
* ``kg.reason.reason`` -> ``ReasonResult`` (``.inferred``, ``.consistency``)
* ``kg.cache.ensure_cache`` / ``kg.cache.open_store``: the reasoned dataset on disk
* ``kg.queries.catalogue``, ``kg.queries.get_query``, ``kg.queries.run_query``
* ``kg.validate.validate`` -> ``ValidationReport``
* ``kg.checks.run_checks`` -> ``CheckReport``
* ``kg.export.export`` -> bytes
* ``kg.whois.resolve`` / ``kg.whois.profile``, ``kg.timeline.timeline``, ``kg.stats.stats``
* ``kg.add.add_file``
"""

__version__ = "0.1.0"
