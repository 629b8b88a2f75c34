"""The applications' actions: ``lifecycle`` (start, save, submit, withdraw, complete) and
``review`` (the departments' inboxes and decisions); ``matter`` and ``forms`` are what
they are built on."""
