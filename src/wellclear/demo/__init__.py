"""``wellclear demo``: a scenario around Aleppo, flown live against a running service.

- :mod:`~wellclear.demo.scenario`: the parties and what each files (as data), and the flights.
- :mod:`~wellclear.demo.flights`: kinematics along routes; the intents a flight files.
- :mod:`~wellclear.demo.performance`: speeds and vertical rates from OpenAP's WRAP model.
- :mod:`~wellclear.demo.replay`: recorded OpenSky traffic from the PyPI ``traffic`` samples.
- :mod:`~wellclear.demo.feeder`: the client side, over HTTP: file, report tracks, watch alerts.
- :mod:`~wellclear.demo.wire`, :mod:`~wellclear.demo.clock`: wire bodies; scenario time.

The package is a client of the API: it uses ``model``, ``geo`` and ``ingest`` and talks to
the service only over HTTP (``cli/demo.py`` starts the service and creates the parties).
"""
