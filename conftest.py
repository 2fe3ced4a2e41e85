"""Shared pytest fixtures.

Every test that needs committed rows is marked `django_db(transaction=True, serialized_rollback=True)`:
a transactional test without `serialized_rollback` ends with a flush that re-creates content types
under new ids, and the next test that restores the serialized database then collides with them.
"""
