"""fedgate_client: a small Python client of the fedgate wire protocol.

It speaks docs/protocol.md through the bindings `flatc --python` generates from
schemas/fedgate.fbs (the build puts them in build/<preset>/generated/python), trains
softmax regression with numpy and follows the offer-first cycle with dense updates.
Run it with both directories on PYTHONPATH:

    PYTHONPATH=python:build/host/generated/python \\
        python3 -m fedgate_client --connect tcp://127.0.0.1:5555 --clients 4 --index 3
"""
