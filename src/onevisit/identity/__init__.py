"""Identity: regions, people, enterprises, departments, staff, accounts and login.

The public face other modules may use is re-exported here.
"""
