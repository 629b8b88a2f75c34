"""The catalogue's actions: loading definition files (``loading``) and reading the
catalogue (``browse``)."""
