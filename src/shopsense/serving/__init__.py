"""The REST API over a trained bundle (`shopsense serve`): `shopsense.serving.app.create_app`.

`app` builds the FastAPI app with one router per resource (`routers/`); `deps` holds auth and
the runtime; `runtime` the served bundle (swapped atomically), shopper state and store;
`recommender` turns the bundle's models into explained lists; `writer` commits events durably.
"""
