"""Domain operations over the Store interface, shared by flows now and by scheduled jobs and exports later.

Services take explicit arguments (store, framework, keys, person, time) and return domain models: they know
nothing of conversations, cards or channels.
"""
