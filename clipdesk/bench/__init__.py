"""``clipdesk bench``: what the engine costs, measured beside OpenAI's reference code on the same photos.

A layer of its own above ``labeling`` (it drives the labeling service, the engines and the reference
packages), below the CLI that prints its tables; nothing in the app imports it.
"""
